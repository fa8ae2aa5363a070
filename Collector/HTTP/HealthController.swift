import Hummingbird
import Logging

/// `GET /healthz`: 200 `ok` when the collector can reach its database, 503 otherwise; for load balancers
/// and monitoring.
struct HealthController: Sendable {
    let store: Store

    /// Adds the route to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, context -> String in
            do {
                try await store.ping()
                return "ok\n"
            } catch {
                context.logger.error(
                    "the database does not answer", metadata: ["error": "\(String(reflecting: error))"])
                throw HTTPError(.serviceUnavailable, message: "the database does not answer")
            }
        }
    }
}
