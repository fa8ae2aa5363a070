import Hummingbird
import Logging

/// Builds the collector's HTTP server: the routes, and the application that serves them.
public enum CollectorApplication {
    /// The collector's routes: `POST /api/v1/batches`, `GET /healthz`, `GET /metrics`, and the tickets API
    /// (``TicketController``) for users and the admin token.
    public static func router(
        store: Store,
        maximumBatchBytes: Int,
        sampleRefresh: Duration = .zero,
        hooks: [any IngestTransactionHook] = [],
        adminToken: String? = nil,
        validationWindow: Duration = TicketConfiguration().validationWindow,
        metrics: CollectorMetrics = CollectorMetrics()
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        metrics.addRoutes(to: router, store: store)
        BatchController(
            store: store,
            queue: IngestQueue(ingestor: BatchIngestor(store: store, hooks: hooks, sampleRefresh: sampleRefresh)),
            decoder: BatchDecoder(maximumBytes: maximumBatchBytes)
        ).addRoutes(to: router)
        HealthController(store: store).addRoutes(to: router)
        TicketController(store: store, adminToken: adminToken, validationWindow: validationWindow).addRoutes(
            to: router)
        return router
    }

    /// The application serving
    /// ``router(store:maximumBatchBytes:sampleRefresh:hooks:adminToken:validationWindow:metrics:)`` on
    /// `configuration.server.listen`; `onServerRunning` is called once it listens.
    public static func make(
        configuration: CollectorConfiguration,
        store: Store,
        hooks: [any IngestTransactionHook] = [],
        metrics: CollectorMetrics = CollectorMetrics(),
        logger: Logger,
        onServerRunning: @escaping @Sendable () async -> Void = {}
    ) -> some ApplicationProtocol {
        let listen = configuration.server.listen
        return Application(
            router: router(
                store: store, maximumBatchBytes: configuration.server.maximumBatchBytes,
                sampleRefresh: configuration.server.sampleRefresh, hooks: hooks,
                adminToken: configuration.server.adminToken,
                validationWindow: configuration.tickets.validationWindow, metrics: metrics),
            configuration: ApplicationConfiguration(
                address: .hostname(listen.host, port: listen.port), serverName: "faultline-collector"),
            onServerRunning: { _ in await onServerRunning() },
            logger: logger
        )
    }
}
