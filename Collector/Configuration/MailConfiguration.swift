import FaultlineCore
import Foundation

/// How the collector sends email, the `[mail]` table of `collector.toml`.
///
/// ```toml
/// [mail]
/// smtp_url = "smtp://mail.example.com:587"   # empty: emails stay queued in the outbox
/// from = "faultline@example.com"
/// starttls = "required"                       # "none", "try" or "required"; smtps:// URLs are TLS throughout
/// username = "faultline"
/// password_file = "/etc/faultline/smtp-password"
/// ca_file = ""                                # PEM CAs to trust instead of the system's (a private relay)
/// rate_limit = "5m"                           # at most one email per client in this time; later ones are merged
/// retry_initial = "10s"
/// retry_maximum = "15m"
/// templates_directory = "/etc/faultline/templates"   # opened.txt, opened.html, opened.subject, ... override
/// ```
public struct MailConfiguration: Sendable {
    /// Whether the SMTP connection upgrades to TLS with STARTTLS.
    public enum StartTLS: String, Sendable, CaseIterable {
        /// Plain text throughout, for a relay on loopback.
        case none
        /// TLS when the server offers it.
        case `try`
        /// TLS or no delivery.
        case required
    }

    /// The SMTP server, `smtp://HOST:PORT` or `smtps://HOST:PORT`; nil leaves the emails in the outbox.
    public var smtpURL: String?
    /// The sender address, in `MAIL FROM` and the `From:` header.
    public var from: String
    /// Whether to upgrade the connection with STARTTLS.
    public var startTLS: StartTLS
    /// The SMTP user name, if the server wants authentication.
    public var username: String?
    /// The SMTP password, read from `password_file`.
    public var password: String?
    /// At most one email per client in this time; the ones queued meanwhile go out together as a digest.
    public var rateLimit: Duration
    /// The first delay after a failed delivery; each further failure doubles it.
    public var retryInitial: Duration
    /// The longest delay between delivery attempts.
    public var retryMaximum: Duration
    /// How long one SMTP conversation may take.
    public var timeout: Duration
    /// Where template files that override the default emails are looked for (see ``MailTemplates``).
    public var templatesDirectory: String
    /// The certificate authorities to trust for the SMTP server's certificate, instead of the system's.
    public var caFile: String?

    /// Creates mail settings.
    public init(
        smtpURL: String? = nil, from: String = "faultline@localhost", startTLS: StartTLS = .try,
        username: String? = nil, password: String? = nil, rateLimit: Duration = .seconds(300),
        retryInitial: Duration = .seconds(10), retryMaximum: Duration = .seconds(900), timeout: Duration = .seconds(60),
        templatesDirectory: String = MailTemplates.defaultDirectory, caFile: String? = nil
    ) {
        self.smtpURL = smtpURL
        self.from = from
        self.startTLS = startTLS
        self.username = username
        self.password = password
        self.rateLimit = rateLimit
        self.retryInitial = retryInitial
        self.retryMaximum = retryMaximum
        self.timeout = timeout
        self.templatesDirectory = templatesDirectory
        self.caFile = caFile
    }

    /// Decodes the `[mail]` table; reads the password file.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        let defaults = MailConfiguration()
        let url = try table.string("smtp_url", default: "")
        if !url.isEmpty && !url.hasPrefix("smtp://") && !url.hasPrefix("smtps://") {
            throw table.invalidValue("smtp_url", "must start with smtp:// or smtps://, found \"\(url)\"")
        }
        let from = try table.string("from", default: defaults.from)
        guard from.contains("@"), !from.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" })
        else {
            throw table.invalidValue("from", "must be an address such as \"faultline@example.com\", found \"\(from)\"")
        }
        let username = try table.string("username", default: "")
        let passwordFile = try table.string("password_file", default: "")
        var password: String?
        if !passwordFile.isEmpty {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw table.invalidValue(
                    "password_file",
                    "cannot read \"\(passwordFile)\"; check that it exists and that the collector may read it")
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let caFile = try table.string("ca_file", default: "")
        if !caFile.isEmpty && !FileManager.default.isReadableFile(atPath: caFile) {
            throw table.invalidValue("ca_file", "cannot read \"\(caFile)\"; it must be a PEM file of CA certificates")
        }
        self.init(
            smtpURL: url.isEmpty ? nil : url, from: from, startTLS: try table.choice("starttls", default: .try),
            username: username.isEmpty ? nil : username, password: password,
            rateLimit: try table.duration("rate_limit", default: defaults.rateLimit),
            retryInitial: try table.duration("retry_initial", default: defaults.retryInitial),
            retryMaximum: try table.duration("retry_maximum", default: defaults.retryMaximum),
            timeout: try table.duration("timeout", default: defaults.timeout),
            templatesDirectory: try table.string("templates_directory", default: defaults.templatesDirectory),
            caFile: caFile.isEmpty ? nil : caFile)
    }
}
