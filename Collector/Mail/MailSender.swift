import FaultlineCore
import Foundation
import Logging
import NIOPosix
import SQLKit

/// Delivers the outbox over SMTP: due emails are claimed, sent, and marked sent; a failure is retried with
/// exponential backoff; a client emailed less than ``MailConfiguration/rateLimit`` ago gets the emails
/// queued meanwhile later, together, as one digest.
///
/// An email is claimed before it is sent (its next attempt moved past the conversation's timeout), so two
/// collectors never send it both. It is marked sent after the server accepted it: a crash in between sends
/// it again, with the same `Message-ID`, which mail clients recognise as the same message.
public struct MailSender: Sendable {
    /// The database holding the outbox.
    public let store: Store
    /// The SMTP server and the limits.
    public let configuration: MailConfiguration
    /// Where it logs.
    public let logger: Logger
    /// How often the outbox is checked.
    public let pollInterval: Duration

    /// Creates a sender; `configuration.smtpURL` must be set.
    public init(store: Store, configuration: MailConfiguration, logger: Logger, pollInterval: Duration = .seconds(5)) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.pollInterval = pollInterval
    }

    private struct Pending {
        var id: Int64
        var ticketID: Int64?
        var clientID: Int64?
        var kind: String
        var clientName: String?
        var recipients: [String]
        var subject: String
        var body: String
        var html: String?
        var messageID: String
        var attempts: Int64
    }

    /// Sends what is due at `now`; returns how many messages the server accepted.
    @discardableResult
    public func deliverDue(now: WireTimestamp = .now()) async throws -> Int {
        let due = try await store.withConnection { database in
            try await database.raw(
                """
                SELECT \(Self.pendingColumns) FROM outbox
                WHERE sent_at IS NULL AND next_attempt_at <= \(bind: now.microseconds)
                ORDER BY id LIMIT 200
                """
            ).all().map(Self.pending(from:))
        }
        var delivered = 0
        var seenClients = Set<Int64>()
        for email in due {
            guard let client = email.clientID else {
                if try await deliver([email], now: now) { delivered += 1 }
                continue
            }
            guard seenClients.insert(client).inserted else { continue }
            if let wait = try await rateLimitWait(client: client, now: now) {
                try await postponeAll(client: client, until: wait)
                continue
            }
            // Everything pending for the client goes together, also emails postponed by the rate limit.
            let batch = try await store.withConnection { database in
                try await database.raw(
                    """
                    SELECT \(Self.pendingColumns) FROM outbox
                    WHERE sent_at IS NULL AND client_id = \(bind: client)
                        AND next_attempt_at <= \(bind: now.microseconds + configuration.rateLimit.microseconds)
                    ORDER BY id
                    """
                ).all().map(Self.pending(from:))
            }
            if try await deliver(batch, now: now) { delivered += 1 }
        }
        return delivered
    }

    /// Delivers until the task is cancelled, every ``pollInterval``.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("delivering the outbox failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// When the client may next be emailed, if not now.
    private func rateLimitWait(client: Int64, now: WireTimestamp) async throws -> Int64? {
        let lastSent = try await store.withConnection { database in
            try await database.raw(
                "SELECT MAX(sent_at) AS last FROM outbox WHERE client_id = \(bind: client) AND sent_at IS NOT NULL"
            ).first()?.decode(column: "last", as: Int64?.self)
        }
        guard let lastSent else { return nil }
        let allowed = lastSent + configuration.rateLimit.microseconds
        return allowed > now.microseconds ? allowed : nil
    }

    private func postponeAll(client: Int64, until time: Int64) async throws {
        try await store.withConnection(forWriting: true) { database in
            try await database.raw(
                """
                UPDATE outbox SET next_attempt_at = \(bind: time)
                WHERE client_id = \(bind: client) AND sent_at IS NULL AND next_attempt_at < \(bind: time)
                """
            ).run()
        }
    }

    /// Claims `emails`, sends those claimed as one message, and records the outcome; `true` when delivered.
    private func deliver(_ emails: [Pending], now: WireTimestamp) async throws -> Bool {
        guard !emails.isEmpty else { return false }
        let lease = now.microseconds + 2 * configuration.timeout.microseconds
        let ids = emails.map(\.id)
        let claimed = try await store.withTransaction { database in
            var claimed: Set<Int64> = []
            for id in ids {
                let row = try await database.raw(
                    """
                    UPDATE outbox SET next_attempt_at = \(bind: lease), attempts = attempts + 1
                    WHERE id = \(bind: id) AND sent_at IS NULL AND next_attempt_at < \(bind: lease)
                    RETURNING id
                    """
                ).first()
                if row != nil { claimed.insert(id) }
            }
            return claimed
        }
        let batch = emails.filter { claimed.contains($0.id) }
        guard !batch.isEmpty else { return false }
        let message = compose(batch, now: now)
        let recipients = batch.flatMap(\.recipients).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        // FAULTLINE_TICKET= and FAULTLINE_CLIENT= in the journal: `journalctl FAULTLINE_TICKET=42` shows its emails.
        var metadata: Logger.Metadata = [
            "mail.message_id": "\(message.id)", "mail.recipients": "\(recipients.joined(separator: ","))",
            "faultline.ticket": .array(Set(batch.compactMap(\.ticketID)).sorted().map { .string("\($0)") }),
        ]
        if let client = batch.first?.clientName { metadata["faultline.client"] = "\(client)" }
        do {
            try await send(message.bytes, to: recipients)
        } catch {
            let attempts = (batch.map(\.attempts).max() ?? 0) + 1
            let delay = backoff(afterAttempts: attempts)
            metadata["error"] = "\(error)"
            metadata["mail.attempts"] = "\(attempts)"
            logger.warning("an email was not delivered; it will be tried again", metadata: metadata)
            try await store.withConnection(forWriting: true) { database in
                for email in batch {
                    try await database.raw(
                        """
                        UPDATE outbox SET next_attempt_at = \(bind: now.microseconds + delay),
                            last_error = \(bind: "\(error)")
                        WHERE id = \(bind: email.id)
                        """
                    ).run()
                }
            }
            return false
        }
        let sentAt = WireTimestamp.now()
        try await store.withTransaction { database in
            for email in batch {
                try await database.raw(
                    """
                    UPDATE outbox SET sent_at = \(bind: sentAt.microseconds), last_error = NULL
                    WHERE id = \(bind: email.id)
                    """
                ).run()
                if let ticket = email.ticketID {
                    try await TicketHistory.record(
                        .emailSent, ticketID: ticket, actor: TicketActor.mail,
                        detail: "\(email.kind) email to \(email.recipients.joined(separator: ", ")) as \(message.id)",
                        at: sentAt, in: database)
                }
            }
        }
        logger.info("delivered an email", metadata: metadata)
        return true
    }

    /// The delay before the next attempt, doubling from ``MailConfiguration/retryInitial`` up to
    /// ``MailConfiguration/retryMaximum``, in microseconds.
    private func backoff(afterAttempts attempts: Int64) -> Int64 {
        let initial = configuration.retryInitial.microseconds
        let doubled = initial << min(max(attempts - 1, 0), 30)
        return min(doubled, configuration.retryMaximum.microseconds)
    }

    /// The RFC 5322 message for `emails`: the email itself, or a digest of several; plain text, and HTML beside
    /// it (multipart/alternative) when every email has an HTML body.
    private func compose(_ emails: [Pending], now: WireTimestamp) -> (id: String, bytes: [UInt8]) {
        let subject: String
        let body: String
        var html: String?
        let messageID: String
        if emails.count == 1 {
            subject = emails[0].subject
            body = emails[0].body
            html = emails[0].html
            messageID = emails[0].messageID
        } else {
            subject = "[Faultline] \(emails.count) updates on your tickets"
            body = emails.map { "== \($0.subject)\n\n\($0.body)" }.joined(separator: "\n")
            if emails.allSatisfy({ $0.html != nil }) {
                let parts = emails.map { "<section>\(Self.htmlBody($0.html!))</section>" }
                html = """
                    <!DOCTYPE html>
                    <html><head><meta charset="utf-8"><title>\(emails.count) updates</title></head>
                    <body>\(parts.joined(separator: "\n<hr>\n"))</body></html>
                    """
            }
            // The same emails make the same digest id, should the digest be sent again after a crash.
            let domain = emails[0].messageID.split(separator: "@").last.map { String($0.dropLast()) } ?? "faultline"
            messageID = "<faultline.digest.\(emails.map { String($0.id) }.joined(separator: "."))@\(domain)>"
        }
        let recipients = emails.flatMap(\.recipients).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var headers = [
            "From: \(configuration.from)",
            "To: \(recipients.joined(separator: ", "))",
            "Subject: \(Self.encodedHeader(subject))",
            "Date: \(Self.rfc5322Date(now))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        let textPart = [
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
            body.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "\r", with: "")
            }.joined(separator: "\r\n"),
        ].joined(separator: "\r\n")
        let message: String
        if let html {
            let boundary = "=_faultline_\(UUID().uuidString.lowercased())"
            let encoded = Data(html.utf8).base64EncodedString(options: [
                .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
            ])
            let htmlPart = [
                "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded,
            ].joined(separator: "\r\n")
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            message =
                headers.joined(separator: "\r\n") + "\r\n\r\n"
                + "--\(boundary)\r\n\(textPart)\r\n--\(boundary)\r\n\(htmlPart)\r\n--\(boundary)--\r\n"
        } else {
            message = (headers.joined(separator: "\r\n") + "\r\n") + textPart
        }
        return (messageID, Array(message.utf8))
    }

    /// What lies between `<body ...>` and `</body>`, or the whole text when it has no body element.
    static func htmlBody(_ html: String) -> Substring {
        guard let open = html.range(of: "<body"), let openEnd = html[open.upperBound...].firstIndex(of: ">"),
            let close = html.range(of: "</body>", options: .backwards), close.lowerBound > openEnd
        else { return html[...] }
        return html[html.index(after: openEnd)..<close.lowerBound]
    }

    /// A header value as is when it is printable ASCII, else as an RFC 2047 encoded word.
    static func encodedHeader(_ value: String) -> String {
        let clean = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return clean }
        return "=?UTF-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    private static func rfc5322Date(_ time: WireTimestamp) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: Double(time.microseconds) / 1_000_000))
    }

    /// Sends on a thread of NIO's blocking pool: libcurl blocks until the server answers.
    private func send(_ message: [UInt8], to recipients: [String]) async throws {
        guard let url = configuration.smtpURL else {
            throw MailSenderError.notConfigured
        }
        let startTLS: SMTPClient.StartTLS =
            switch configuration.startTLS {
            case .none: .none
            case .try: .attempt
            case .required: .required
            }
        let clientConfiguration = SMTPClient.Configuration(
            url: url, startTLS: startTLS,
            username: configuration.username, password: configuration.password, timeout: configuration.timeout,
            caFile: configuration.caFile)
        let from = configuration.from
        try await NIOThreadPool.singleton.runIfActive {
            let client = try SMTPClient(configuration: clientConfiguration)
            try client.send(from: from, to: recipients, message: message)
        }
    }

    /// The outbox columns ``pending(from:)`` reads, and the client's name.
    private static let pendingColumns: SQLQueryString = """
        id, ticket_id, client_id, kind, recipients, subject, body, html_body, message_id, attempts,
            (SELECT name FROM clients WHERE clients.id = outbox.client_id) AS client_name
        """

    private static func pending(from row: any SQLRow) throws -> Pending {
        Pending(
            id: try row.decode(column: "id", as: Int64.self),
            ticketID: try row.decode(column: "ticket_id", as: Int64?.self),
            clientID: try row.decode(column: "client_id", as: Int64?.self),
            kind: try row.decode(column: "kind", as: String.self),
            clientName: try row.decode(column: "client_name", as: String?.self),
            recipients: try row.decode(column: "recipients", as: String.self).split(separator: ",").map(String.init),
            subject: try row.decode(column: "subject", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            html: try row.decode(column: "html_body", as: String?.self),
            messageID: try row.decode(column: "message_id", as: String?.self)
                ?? "<faultline.outbox.\(UUID())@faultline>",
            attempts: try row.decode(column: "attempts", as: Int64.self))
    }
}

/// Why the mail sender cannot deliver at all.
public struct MailSenderError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case notConfigured
    }

    private let code: Code

    /// No SMTP server is configured.
    static let notConfigured = MailSenderError(code: .notConfigured)

    /// What to do.
    public var description: String {
        switch code {
        case .notConfigured: "no SMTP server is configured; set mail.smtp_url in collector.toml"
        }
    }
}
