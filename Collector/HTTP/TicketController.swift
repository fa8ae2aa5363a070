import Crypto
import Hummingbird

/// `GET /api/v1/tickets` (optionally `?status=open`) and `GET /api/v1/tickets/{id}`: the tickets as JSON, for
/// the holder of the admin token (`server.admin_token_file`).
///
/// Answers 401 without the admin token, 404 for an unknown ticket, 400 for an unknown status, and 404 for
/// every request when no admin token is configured.
struct TicketController: Sendable {
    let store: Store
    let adminToken: String?

    /// The list answer.
    struct TicketList: ResponseEncodable {
        var tickets: [Ticket]
    }

    /// Adds the routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/tickets") { request, context in
            try authorize(request)
            let statusText = request.uri.queryParameters.get("status")
            var status: TicketStatus?
            if let statusText {
                guard let parsed = TicketStatus(rawValue: statusText) else {
                    let known = TicketStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw HTTPError(.badRequest, message: "status must be one of \(known), found '\(statusText)'")
                }
                status = parsed
            }
            return TicketList(tickets: try await store.tickets(status: status))
        }
        router.get("/api/v1/tickets/{id}") { request, context in
            try authorize(request)
            let id = try context.parameters.require("id", as: Int64.self)
            guard let detail = try await store.ticketDetail(id: id) else {
                throw HTTPError(.notFound, message: "no ticket #\(id)")
            }
            return detail
        }
    }

    /// Throws 401 unless the request carries the admin token; compares digests, in constant time.
    private func authorize(_ request: Request) throws {
        guard let adminToken else { throw HTTPError(.notFound) }
        guard let token = BearerToken.parse(request.headers[.authorization]),
            SHA256.hash(data: Array(token.utf8)) == SHA256.hash(data: Array(adminToken.utf8))
        else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                message: "the tickets API needs the admin token (server.admin_token_file) as a bearer token")
        }
    }
}

extension TicketDetail: ResponseEncodable {}
