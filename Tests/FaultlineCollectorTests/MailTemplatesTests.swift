import FaultlineCollector
import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

@Suite struct MailTemplatesTests {
    static func facts(template: String = "disk <path> is full", fixNote: String? = nil) -> TicketFacts {
        TicketFacts(
            id: 42, title: "sshd.service: \(template)", status: "open", template: template, source: "sshd.service",
            priority: "high", category: "storage", firstSeen: WireTimestamp(iso8601: "2026-11-21T10:00:00Z")!,
            lastSeen: WireTimestamp(iso8601: "2026-11-21T10:05:00Z")!, occurrences: 7, fixNote: fixNote,
            fixVersion: fixNote == nil ? nil : "1.2.3", hosts: ["web-1", "web-2"])
    }

    @Test func theDefaultsNameTheTicketTheErrorTheHostsAndLinkToTheDashboard() {
        let templates = MailTemplates(dashboardURL: "https://faultline.example.com/")
        let mail = templates.render(.opened, ticket: Self.facts())
        #expect(mail.subject == "[Faultline #42] New error: sshd.service: disk <path> is full")
        #expect(mail.text.contains("Error:       disk <path> is full"))
        #expect(mail.text.contains("Hosts:       web-1, web-2"))
        #expect(mail.text.contains("First seen:  2026-11-21T10:00:00"))
        #expect(mail.text.contains("https://faultline.example.com/tickets/42"))
        #expect(!mail.text.contains("Fix:"))
        #expect(mail.html.contains(#"<a href="https://faultline.example.com/tickets/42">#42</a>"#))
        #expect(mail.html.contains("<code>disk &lt;path&gt; is full</code>"))
        #expect(mail.html.contains("web-1<br>web-2<br>"))
    }

    @Test func theResolutionNamesTheFix() {
        let mail = MailTemplates(dashboardURL: "http://c").render(.resolved, ticket: Self.facts(fixNote: "bigger disk"))
        #expect(mail.subject.hasPrefix("[Faultline #42] Resolved: "))
        #expect(mail.text.contains("Fix:         bigger disk\nFix version: 1.2.3\n"))
        #expect(mail.html.contains("<td>bigger disk</td>"))
        // An opened email does not talk about a fix, even when the ticket had one before.
        #expect(
            !MailTemplates(dashboardURL: "http://c").render(.opened, ticket: Self.facts(fixNote: "x")).text
                .contains("Fix:"))
    }

    @Test func logContentIsEscapedInEveryPart() {
        let hostile = "boom\u{1b}[2J <script>alert(1)</script>\r\nBcc: victim@example.com"
        let mail = MailTemplates(dashboardURL: "http://c").render(.opened, ticket: Self.facts(template: hostile))
        #expect(!mail.subject.contains("\n") && !mail.subject.contains("\r") && !mail.subject.contains("\u{1b}"))
        #expect(!mail.text.contains("\u{1b}"))
        #expect(mail.text.contains(#"boom\x1b[2J"#))
        #expect(!mail.html.contains("<script>"))
        #expect(mail.html.contains("&lt;script&gt;"))
        #expect(!mail.html.contains("\u{1b}"))
    }

    @Test func aFileInTheDirectoryOverridesOnePart() throws {
        let directory = try ScratchDirectory()
        try "Ticket {{id}} on {{#hosts}}[{{.}}]{{/hosts}}: {{template}}\n{{url}}\n".write(
            toFile: directory.path + "/opened.txt", atomically: true, encoding: .utf8)
        try "{{title}} (custom)".write(toFile: directory.path + "/opened.subject", atomically: true, encoding: .utf8)
        let templates = try MailTemplates(directory: directory.path, dashboardURL: "https://f.example")
        let mail = templates.render(.opened, ticket: Self.facts())
        #expect(mail.text == "Ticket 42 on [web-1][web-2]: disk <path> is full\nhttps://f.example/tickets/42\n")
        #expect(mail.subject == "sshd.service: disk <path> is full (custom)")
        // The parts without a file keep their defaults.
        #expect(mail.html.contains("<code>disk &lt;path&gt; is full</code>"))
        #expect(templates.render(.resolved, ticket: Self.facts()).subject.contains("Resolved"))
    }

    @Test func aTemplateThatDoesNotParseIsAnErrorNamingItsFile() throws {
        let directory = try ScratchDirectory()
        try "{{#hosts}}never closed".write(toFile: directory.path + "/reopened.html", atomically: true, encoding: .utf8)
        #expect {
            try MailTemplates(directory: directory.path, dashboardURL: "http://c")
        } throws: { error in
            "\(error)".contains(directory.path + "/reopened.html")
        }
        // And through the configuration, naming the key.
        try """
        [mail]
        templates_directory = "\(directory.path)"
        """.write(toFile: directory.path + "/collector.toml", atomically: true, encoding: .utf8)
        #expect {
            try CollectorConfiguration.load(fromFile: directory.path + "/collector.toml")
        } throws: { error in
            "\(error)".contains("templates_directory") && "\(error)".contains("reopened.html")
        }
    }

    @Test func aMissingDirectoryKeepsTheDefaults() throws {
        let templates = try MailTemplates(directory: "/nonexistent/faultline-templates", dashboardURL: "http://c")
        #expect(templates.render(.affected, ticket: Self.facts()).subject.contains("Now affecting you"))
    }
}
