import Foundation

/// A throwaway self-signed certificate for 127.0.0.1, made with the `openssl` command, for TLS tests.
///
/// Being self-signed, the certificate is its own CA: pass it as the CA file to trust it.
public struct SelfSignedCertificate {
    /// The PEM certificate.
    public let certificate: String
    /// The PEM private key, unencrypted.
    public let key: String

    /// True if the `openssl` command is installed; TLS tests are skipped without it.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    /// Writes `NAME.crt` and `NAME.key` into `directory`.
    public init(named name: String, in directory: ScratchDirectory) throws {
        certificate = directory.file("\(name).crt")
        key = directory.file("\(name).key")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw OpenSSLFailure(description: "openssl req exited with \(openssl.terminationStatus)")
        }
    }

    /// The `openssl` command failed.
    public struct OpenSSLFailure: Error, CustomStringConvertible {
        public var description: String
    }
}
