import FaultlineCore
import Foundation
import Mustache

/// The emails' templates (Mustache): for each ``MailKind`` a subject, a plain-text body and an HTML body. The
/// defaults ship with the collector; a file in the templates directory (`mail.templates_directory`, by default
/// `/etc/faultline/templates`) overrides each one: `opened.subject`, `opened.txt`, `opened.html`,
/// `affected.*`, `reopened.*`, `resolved.*`.
///
/// Log content (the template, the source, host names, the fix note) is escaped in every part: with
/// ``EscapedText/terminal(_:)`` (control characters and escape sequences show as visible escapes), and in the
/// HTML body also by Mustache's HTML escaping of `{{name}}`. A subject never gets a line break.
///
/// The values a template can use: `id`, `title`, `status`, `priority`, `category`, `template`, `source`,
/// `hosts` (a list; `{{#hosts}}{{.}}{{/hosts}}`), `host_list` (comma-separated), `first_seen`, `last_seen`,
/// `occurrences`, `fix_note`, `fix_version` (absent when there is no fix), `url` (the ticket's page on the
/// dashboard), and the booleans `opened`, `affected`, `reopened`, `resolved` (the kind) and `about_fix` (a
/// reopened or resolved email about a ticket with a fix).
public struct MailTemplates: Sendable {
    /// The three parts of one kind of email.
    struct Parts: Sendable {
        var subject: MustacheTemplate
        var text: MustacheTemplate
        var html: MustacheTemplate
    }

    /// An email ready for the outbox.
    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// Where the overrides are looked for when the configuration names no other directory.
    public static let defaultDirectory = "/etc/faultline/templates"

    private let parts: [MailKind: Parts]
    /// The dashboard's address, without a trailing slash; the tickets' links start with it.
    public let dashboardURL: String

    /// The defaults, with links under `dashboardURL`.
    public init(dashboardURL: String) {
        // The defaults are tested to parse.
        self = try! MailTemplates(directory: nil, dashboardURL: dashboardURL)
    }

    /// The defaults, overridden by the files found in `directory` (a missing directory overrides nothing).
    /// Throws ``MailTemplateError`` naming the file that does not parse.
    public init(directory: String?, dashboardURL: String) throws(MailTemplateError) {
        var parts: [MailKind: Parts] = [:]
        for kind in MailKind.allCases {
            let defaults = DefaultMailTemplates.parts(kind)
            func load(_ suffix: String, _ fallback: String, text: Bool) throws(MailTemplateError) -> MustacheTemplate {
                var source = fallback
                var origin = "the default \(kind.rawValue).\(suffix)"
                if let directory {
                    let path = (directory as NSString).appendingPathComponent("\(kind.rawValue).\(suffix)")
                    if FileManager.default.fileExists(atPath: path) {
                        guard let contents = FileManager.default.contents(atPath: path),
                            let decoded = String(data: contents, encoding: .utf8)
                        else {
                            throw MailTemplateError(path: path, reason: "cannot be read as UTF-8 text")
                        }
                        source = decoded
                        origin = path
                    }
                }
                do {
                    return try MustacheTemplate(string: (text ? "{{% CONTENT_TYPE: TEXT}}" : "") + source)
                } catch let error as MustacheTemplate.ParserError {
                    throw MailTemplateError(
                        path: origin,
                        reason: "line \(error.context.lineNumber), column \(error.context.columnNumber): \(error.error)"
                    )
                } catch {
                    throw MailTemplateError(path: origin, reason: "\(error)")
                }
            }
            parts[kind] = Parts(
                subject: try load("subject", defaults.subject, text: true),
                text: try load("txt", defaults.text, text: true),
                html: try load("html", defaults.html, text: false))
        }
        self.parts = parts
        var url = dashboardURL
        while url.hasSuffix("/") { url.removeLast() }
        self.dashboardURL = url
    }

    /// The subject and bodies of a `kind` email about `ticket`.
    public func render(_ kind: MailKind, ticket: TicketFacts) -> Rendered {
        let parts = parts[kind]!
        let context = Self.context(kind, ticket: ticket, url: dashboardURL)
        var subject = parts.subject.render(context)
        subject = subject.split(whereSeparator: \.isNewline).joined(separator: " ")
        subject = subject.trimmingCharacters(in: .whitespaces)
        return Rendered(
            subject: String(subject.prefix(200)), text: parts.text.render(context), html: parts.html.render(context))
    }

    /// The values the templates see; log content already passed through ``EscapedText/terminal(_:)``.
    private static func context(_ kind: MailKind, ticket: TicketFacts, url: String) -> [String: Any] {
        let escape = EscapedText.terminal
        let hosts = ticket.hosts.map(escape)
        var context: [String: Any] = [
            "id": ticket.id,
            "title": escape(ticket.title),
            "status": ticket.status,
            "priority": ticket.priority,
            "category": escape(ticket.category),
            "template": escape(ticket.template),
            "source": escape(ticket.source),
            "hosts": hosts,
            "host_list": hosts.joined(separator: ", "),
            "first_seen": ticket.firstSeen.description,
            "last_seen": ticket.lastSeen.description,
            "occurrences": ticket.occurrences,
            "url": "\(url)/tickets/\(ticket.id)",
            "opened": kind == .opened,
            "affected": kind == .affected,
            "reopened": kind == .reopened,
            "resolved": kind == .resolved,
            "about_fix": (kind == .reopened || kind == .resolved) && ticket.fixNote != nil,
        ]
        // Absent rather than empty: `{{#fix_note}}...{{/fix_note}}` shows only when there is one.
        if let note = ticket.fixNote { context["fix_note"] = escape(note) }
        if let version = ticket.fixVersion { context["fix_version"] = escape(version) }
        return context
    }
}

/// A template file that cannot be used.
public struct MailTemplateError: Error, Sendable, CustomStringConvertible {
    /// The file, or "the default KIND.PART".
    public var path: String
    /// What is wrong with it.
    public var reason: String

    public var description: String { "mail template \(path): \(reason)" }
}
