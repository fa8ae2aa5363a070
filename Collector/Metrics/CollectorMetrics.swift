import Hummingbird
import Prometheus

/// The collector's Prometheus metrics: request counts and durations (Hummingbird's `MetricsMiddleware`, through
/// swift-metrics, when the process bootstrapped `MetricsSystem` with this registry's factory), emails delivered
/// and failed (the mail sender), and gauges read from the store at each scrape.
public final class CollectorMetrics: Sendable {
    /// Where every metric of the process lives; `GET /metrics` prints it.
    public let registry: PrometheusCollectorRegistry
    private let tickets: [TicketStatus: Gauge]
    private let emailsPending: Gauge
    private let emailsFailing: Gauge
    private let oldestPendingEmail: Gauge
    private let hosts: Gauge
    private let silentHosts: Gauge
    private let linesLost: Gauge

    /// Creates the store gauges in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        tickets = Dictionary(
            uniqueKeysWithValues: TicketStatus.allCases.map { status in
                (
                    status,
                    registry.makeGauge(
                        name: "faultline_tickets", labels: [("status", status.rawValue)],
                        help: "Tickets in each status.")
                )
            })
        emailsPending = registry.makeGauge(
            name: "faultline_outbox_pending", help: "Emails in the outbox not delivered yet.")
        emailsFailing = registry.makeGauge(
            name: "faultline_outbox_failing", help: "Emails not delivered yet whose last attempt failed.")
        oldestPendingEmail = registry.makeGauge(
            name: "faultline_outbox_oldest_pending_seconds", help: "Age of the oldest email not delivered yet.")
        hosts = registry.makeGauge(name: "faultline_hosts", help: "Hosts that ever sent a batch.")
        silentHosts = registry.makeGauge(
            name: "faultline_hosts_silent", help: "Hosts whose last batch or heartbeat is older than 5 minutes.")
        linesLost = registry.makeGauge(
            name: "faultline_agent_lines_lost", help: "Lines the agents reported lost, summed over every host.")
    }

    /// Sets the gauges from `gauges`.
    public func update(_ gauges: StoreGauges) {
        for (status, gauge) in tickets {
            gauge.set(Double(gauges.ticketsByStatus[status] ?? 0))
        }
        emailsPending.set(Double(gauges.emailsPending))
        emailsFailing.set(Double(gauges.emailsFailing))
        oldestPendingEmail.set(gauges.oldestPendingEmailSeconds)
        hosts.set(Double(gauges.hosts))
        silentHosts.set(Double(gauges.silentHosts))
        linesLost.set(Double(gauges.linesLost))
    }

    /// Adds `GET /metrics` to `router`: the store gauges are read at each scrape, then every metric is printed
    /// in the Prometheus text format.
    func addRoutes(to router: Router<BasicRequestContext>, store: Store) {
        router.get("/metrics") { _, _ in
            self.update(try await store.gauges())
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
    }
}
