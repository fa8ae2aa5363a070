import Testing

/// End-to-end tests of the agent daemon: the built `faultline-agent run` as a child process, tailing real files
/// (or journal files) in a temporary directory and shipping to a real HTTP receiver on loopback
/// (``BatchReceiver``), while the tests kill, stop, restart and reload it.
///
/// The nested suites in `Integration/` run one test at a time: each starts several processes and a writer, and
/// the timing of one should not depend on how many others share the machine.
@Suite("faultline-agent run, end to end", .serialized)
struct AgentDaemonIntegrationTests {}
