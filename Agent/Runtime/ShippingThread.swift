import FaultlineCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the ``Shipper`` on a thread of its own: libcurl blocks, and so does the spool's SQLite connection,
/// which the shipper opens for itself (SQLite connections are not shared across threads here).
final class ShippingThread: @unchecked Sendable {
    private let spoolPath: String
    private let spoolConfiguration: Spool.Configuration
    private let configuration: ShipperConfiguration
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let wakeUp = WakeUpSignal()
    private var thread: pthread_t?

    init(
        spoolPath: String, spoolConfiguration: Spool.Configuration, configuration: ShipperConfiguration, logger: Logger
    ) {
        self.spoolPath = spoolPath
        self.spoolConfiguration = spoolConfiguration
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts the thread.
    func start() throws {
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { context in
                let shipping = Unmanaged<ShippingThread>.fromOpaque(context!).takeRetainedValue()
                shipping.body()
                return nil
            }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw RuntimeError.system("pthread_create", errno: result)
        }
        thread = handle
    }

    /// Tells the shipper that the spool holds a new batch.
    func batchCommitted() {
        wakeUp.signal()
    }

    /// Asks the thread to stop after its current request and waits for it.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        wakeUp.signal()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func body() {
        do {
            let spool = try Spool(path: spoolPath, configuration: spoolConfiguration)
            let shipper = try Shipper(configuration: configuration, queue: spool, logger: logger)
            shipper.run(
                until: { stopRequested.load(ordering: .relaxed) },
                sleep: { duration in wakeUp.wait(for: duration) })
        } catch {
            logger.critical("the shipper cannot start; batches stay in the spool", metadata: ["error": "\(error)"])
        }
    }
}
