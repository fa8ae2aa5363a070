import Hummingbird
import Logging

/// Builds the collector's HTTP server: the routes, and the application that serves them.
public enum CollectorApplication {
    /// The collector's routes: `POST /api/v1/batches`, `GET /healthz`, and with an admin token
    /// `GET /api/v1/tickets` and `GET /api/v1/tickets/{id}`.
    public static func router(
        store: Store,
        maximumBatchBytes: Int,
        hooks: [any IngestTransactionHook] = [],
        adminToken: String? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        BatchController(
            store: store,
            ingestor: BatchIngestor(store: store, hooks: hooks),
            decoder: BatchDecoder(maximumBytes: maximumBatchBytes)
        ).addRoutes(to: router)
        HealthController(store: store).addRoutes(to: router)
        TicketController(store: store, adminToken: adminToken).addRoutes(to: router)
        return router
    }

    /// The application serving ``router(store:maximumBatchBytes:hooks:adminToken:)`` on `configuration.server.listen`.
    public static func make(
        configuration: CollectorConfiguration,
        store: Store,
        hooks: [any IngestTransactionHook] = [],
        logger: Logger
    ) -> some ApplicationProtocol {
        let listen = configuration.server.listen
        return Application(
            router: router(
                store: store, maximumBatchBytes: configuration.server.maximumBatchBytes, hooks: hooks,
                adminToken: configuration.server.adminToken),
            configuration: ApplicationConfiguration(
                address: .hostname(listen.host, port: listen.port), serverName: "faultline-collector"),
            logger: logger
        )
    }
}
