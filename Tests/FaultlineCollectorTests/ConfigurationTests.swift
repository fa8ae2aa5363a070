import FaultlineCollector
import FaultlineCore
import Testing

@Suite struct ConfigurationTests {
    static func configuration(_ text: String) throws -> (CollectorConfiguration, TOMLDocument) {
        let reader = try ConfigurationReader(parsing: text, fileName: "collector.toml")
        let configuration = try CollectorConfiguration(from: reader.root)
        try reader.root.rejectUnknownKeys()
        return (configuration, reader.effectiveConfiguration)
    }

    @Test func everyKeyHasADefault() throws {
        let (configuration, effective) = try Self.configuration("")
        #expect(configuration.server.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(configuration.server.maximumBatchBytes == 8 << 20)
        #expect(configuration.database.url == .sqlite(path: "/var/lib/faultline/collector.db"))
        #expect(configuration.database.maximumConnections == 8)
        #expect(
            effective.rendered() == """
                [server]
                listen = "127.0.0.1:8080"
                max_batch_bytes = "8MiB"
                admin_token_file = ""
                public_url = ""
                sample_refresh = "1m"

                [database]
                url = "sqlite:///var/lib/faultline/collector.db"
                max_connections = 8

                [tickets]
                threshold_occurrences = 1
                threshold_window = "1h"
                validation_window = "24h"
                validation_check_interval = "30s"
                categories = []
                thresholds = []

                [mail]
                smtp_url = ""
                from = "faultline@localhost"
                username = ""
                password_file = ""
                ca_file = ""
                starttls = "try"
                rate_limit = "5m"
                retry_initial = "10s"
                retry_maximum = "15m"
                timeout = "1m"
                templates_directory = "/etc/faultline/templates"

                """)
    }

    @Test func readsTheFile() throws {
        let (configuration, _) = try Self.configuration(
            """
            [server]
            listen = "[::]:9000"
            max_batch_bytes = "512KiB"
            sample_refresh = "0s"

            [database]
            url = "postgres://faultline:secret@db.example:5432/faultline"
            max_connections = 20
            """)
        #expect(configuration.server.listen == ListenAddress(host: "::", port: 9000))
        #expect(configuration.server.listen.description == "[::]:9000")
        #expect(configuration.server.maximumBatchBytes == 512 << 10)
        #expect(configuration.server.sampleRefresh == .zero)
        #expect(configuration.database.url == .postgres(url: "postgres://faultline:secret@db.example:5432/faultline"))
        #expect(configuration.database.url.engine == .postgresql)
        #expect(configuration.database.maximumConnections == 20)
    }

    @Test(arguments: [
        ("[server]\nlisten = \"localhost\"", "collector.toml:2: 'server.listen' must be HOST:PORT"),
        ("[server]\nmax_batch_bytes = \"lots\"", "collector.toml:2: 'server.max_batch_bytes' must be a size"),
        ("[database]\nurl = \"mysql://db\"", "collector.toml:2: 'database.url' must start with \"sqlite://\""),
        ("[database]\nurl = \"sqlite://\"", "collector.toml:2: 'database.url' names no file"),
        ("[database]\nmax_connections = 0", "collector.toml:2: 'database.max_connections' must be between 1"),
        ("[server]\nlistn = \"x\"", "collector.toml:2: unknown key 'listn' in [server]; did you mean 'listen'?"),
        ("[servre]\n", "collector.toml:1: unknown table [servre]"),
        (
            "[[tickets.thresholds]]\noccurrences = 5",
            "collector.toml:1: 'tickets.thresholds.source' every [[tickets.thresholds]] rule needs a source",
        ),
        ("[server]\npublic_url = \"faultline.example\"", "collector.toml:2: 'server.public_url' must start with http"),
        ("[server]\nsample_refresh = \"often\"", "collector.toml:2: 'server.sample_refresh' must be a duration"),
    ])
    func namesTheKeyAndLineOfAProblem(text: String, message: String) {
        #expect {
            try Self.configuration(text)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func readsThresholdRulesFirstMatchFirst() throws {
        let (configuration, _) = try Self.configuration(
            """
            [tickets]
            threshold_occurrences = 2

            [[tickets.thresholds]]
            source = "cron"
            occurrences = 10
            window = "10m"

            [[tickets.thresholds]]
            template = "disk"
            """)
        let tickets = configuration.tickets
        #expect(tickets.threshold(source: "cron.service", template: "disk <path> is full") == (10, .seconds(600)))
        #expect(tickets.threshold(source: "sshd.service", template: "disk <path> is full") == (2, .seconds(3600)))
        #expect(tickets.threshold(source: "sshd.service", template: "login failed") == (2, .seconds(3600)))
    }

    @Test func parsesListenAddresses() {
        #expect(ListenAddress("0.0.0.0:80") == ListenAddress(host: "0.0.0.0", port: 80))
        #expect(ListenAddress("[::1]:8080") == ListenAddress(host: "::1", port: 8080))
        #expect(ListenAddress("collector.internal:443") == ListenAddress(host: "collector.internal", port: 443))
        for invalid in ["8080", ":8080", "host:", "host:70000", "::1:8080", "[::1]8080", "a b:1"] {
            #expect(ListenAddress(invalid) == nil, "\(invalid)")
        }
    }
}
