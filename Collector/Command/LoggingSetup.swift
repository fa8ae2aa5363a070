import FaultlineCore
import Logging

/// The process's one logging bootstrap: journald when systemd connected standard error to the journal,
/// plain lines on standard error otherwise.
enum LoggingSetup {
    static func bootstrap(level: Logger.Level) {
        if JournaldLogHandler.isStandardErrorConnectedToJournal {
            LoggingSystem.bootstrap { label in
                var handler = JournaldLogHandler(label: label, identifier: "faultline-collector")
                handler.logLevel = level
                return handler
            }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
