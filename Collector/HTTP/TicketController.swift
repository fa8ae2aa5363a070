import Crypto
import FaultlineCore
import Foundation
import Hummingbird

/// The tickets API, for users (`faultline-collector user add`) and the holder of the admin token
/// (`server.admin_token_file`), each sending its token as a bearer token:
///
/// - `GET /api/v1/tickets[?status=open]` and `GET /api/v1/tickets/{id}`: every ticket for admins and
///   technicians, only the tickets affecting its client for a `client` user (others answer 404);
/// - `POST /api/v1/tickets/{id}/comments` `{"text": "..."}`: every role, on the tickets it sees;
/// - `POST /api/v1/tickets/{id}/status` `{"status": "in_progress" | "closed"}`,
///   `POST /api/v1/tickets/{id}/assign` `{"assignee": "name"}` (empty unassigns) and
///   `POST /api/v1/tickets/{id}/fix` `{"note": "...", "version": "..."}`: admins and technicians (403 otherwise).
///
/// Answers 401 without a valid token, 400 naming the field of a bad body, 404 for a ticket the user cannot see,
/// 409 for a change the ticket's state forbids (assigning a closed ticket). The history names the user.
struct TicketController: Sendable {
    let store: Store
    let adminToken: String?
    /// How long a fix recorded through the API is watched before the ticket closes.
    let validationWindow: Duration

    /// The list answer.
    struct TicketList: ResponseEncodable {
        var tickets: [Ticket]
    }

    /// The answer to a change: the ticket as it is now.
    struct Changed: ResponseEncodable {
        var ticket: Ticket
    }

    struct StatusChange: Decodable { var status: String }
    struct Assignment: Decodable { var assignee: String }
    struct CommentText: Decodable { var text: String }
    struct Fix: Decodable {
        var note: String
        var version: String?
    }

    /// Adds the routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/tickets") { request, context in
            let user = try await authenticate(request)
            let statusText = request.uri.queryParameters.get("status")
            var status: TicketStatus?
            if let statusText {
                guard let parsed = TicketStatus(rawValue: statusText) else {
                    throw HTTPError(
                        .badRequest, message: "status must be one of \(Self.statuses), found '\(statusText)'")
                }
                status = parsed
            }
            return TicketList(tickets: try await store.tickets(status: status, affectingClient: user.clientID))
        }
        router.get("/api/v1/tickets/{id}") { request, context in
            let user = try await authenticate(request)
            let id = try context.parameters.require("id", as: Int64.self)
            return try await visibleTicket(id, to: user)
        }
        router.post("/api/v1/tickets/{id}/comments") { request, context in
            let (user, id) = try await target(request, context, needsWork: false)
            let body = try await Self.decode(CommentText.self, from: request, context: context)
            guard !body.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw HTTPError(.badRequest, message: "text: a comment cannot be empty")
            }
            try await Self.mapStoreErrors { try await store.comment(ticketID: id, text: body.text, actor: user.name) }
            return try await changed(id, user, "commented on a ticket", context: context)
        }
        router.post("/api/v1/tickets/{id}/status") { request, context in
            let (user, id) = try await target(request, context, needsWork: true)
            let body = try await Self.decode(StatusChange.self, from: request, context: context)
            guard let status = TicketStatus(rawValue: body.status), status == .inProgress || status == .closed else {
                throw HTTPError(
                    .badRequest,
                    message: "status: must be in_progress or closed, found '\(body.status)' "
                        + "(fixed is recorded with POST .../fix; open and reopened are the engine's)")
            }
            try await Self.mapStoreErrors { try await store.setStatus(ofTicket: id, to: status, actor: user.name) }
            return try await changed(id, user, "set a ticket's status to \(status.rawValue)", context: context)
        }
        router.post("/api/v1/tickets/{id}/assign") { request, context in
            let (user, id) = try await target(request, context, needsWork: true)
            let body = try await Self.decode(Assignment.self, from: request, context: context)
            try await Self.mapStoreErrors {
                try await store.assign(ticketID: id, to: body.assignee, actor: user.name)
            }
            return try await changed(id, user, "assigned a ticket", context: context)
        }
        router.post("/api/v1/tickets/{id}/fix") { request, context in
            let (user, id) = try await target(request, context, needsWork: true)
            let body = try await Self.decode(Fix.self, from: request, context: context)
            try await Self.mapStoreErrors {
                try await store.recordFix(
                    ticketID: id, note: body.note, version: body.version, actor: user.name,
                    validationWindow: validationWindow)
            }
            return try await changed(id, user, "recorded a fix", context: context)
        }
    }

    private static let statuses = TicketStatus.allCases.map(\.rawValue).joined(separator: ", ")

    /// The user behind the request's bearer token: a user's token, or the admin token (as user `admin`).
    private func authenticate(_ request: Request) async throws -> User {
        guard let token = BearerToken.parse(request.headers[.authorization]) else {
            throw Self.unauthorized
        }
        if let adminToken, SHA256.hash(data: Array(token.utf8)) == SHA256.hash(data: Array(adminToken.utf8)) {
            return User(
                id: 0, name: "admin", role: .admin, clientID: nil, clientName: nil, createdAt: .now(), disabledAt: nil)
        }
        guard let user = try await store.user(withToken: token) else { throw Self.unauthorized }
        return user
    }

    private static let unauthorized = HTTPError(
        .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
        message: "the tickets API needs a user's token (faultline-collector user add) or the admin token")

    /// The authenticated user and the ticket id of a change request; 404 when the user cannot see the ticket,
    /// 403 when the change needs a technician or an admin.
    private func target(
        _ request: Request, _ context: BasicRequestContext, needsWork: Bool
    ) async throws -> (User, Int64) {
        let user = try await authenticate(request)
        let id = try context.parameters.require("id", as: Int64.self)
        _ = try await visibleTicket(id, to: user)
        if needsWork && !user.canWorkOnTickets {
            throw HTTPError(
                .forbidden, message: "only technicians and admins change a ticket's status, assignee or fix")
        }
        return (user, id)
    }

    private func visibleTicket(_ id: Int64, to user: User) async throws -> TicketDetail {
        let visible: Bool
        if let clientID = user.clientID {
            visible = try await store.ticket(id, affectsClient: clientID)
        } else {
            visible = true
        }
        guard visible, let detail = try await store.ticketDetail(id: id) else {
            throw HTTPError(.notFound, message: "no ticket #\(id)")
        }
        return detail
    }

    /// The ticket after a change, which is logged with `FAULTLINE_TICKET=` for the journal's story of it.
    private func changed(
        _ id: Int64, _ user: User, _ change: String, context: BasicRequestContext
    ) async throws
        -> Changed
    {
        context.logger.notice(
            "\(change) through the API", metadata: ["faultline.ticket": "\(id)", "user.name": "\(user.name)"])
        return Changed(ticket: try await visibleTicket(id, to: user).ticket)
    }

    /// Decodes a JSON body; a bad one is a 400 naming the field.
    private static func decode<Body: Decodable>(
        _ type: Body.Type, from request: Request, context: BasicRequestContext
    ) async throws -> Body {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError(.badRequest, message: "\(key.stringValue): missing")
        } catch let DecodingError.typeMismatch(_, error), let DecodingError.valueNotFound(_, error) {
            let path = error.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPError(.badRequest, message: "\(path): \(error.debugDescription)")
        } catch {
            throw HTTPError(.badRequest, message: "the body must be a JSON object")
        }
    }

    /// Runs a store change, answering 404 / 409 / 400 for the store's refusals.
    private static func mapStoreErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError {
            if error.isNotFound { throw HTTPError(.notFound, message: error.message) }
            if error.isConflict { throw HTTPError(.conflict, message: error.message) }
            if error.isInvalid { throw HTTPError(.badRequest, message: error.message) }
            throw error
        }
    }
}

extension TicketDetail: ResponseEncodable {}
