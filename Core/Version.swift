/// The release of Faultline this build belongs to; both programs print it with `--version`.
public enum FaultlineVersion {
    /// Semantic version of the package.
    public static let current = "0.1.0"
}
