import ArgumentParser
import Foundation
import Metrics
import Prometheus
import SMSLedgerDaemon

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll SmsReport and SmsUp, commit, then acknowledge.",
        discussion: """
            Runs until SIGTERM or SIGINT, then finishes the batches in flight (commit, then delete) \
            and exits 0. SIGHUP re-reads the configuration: log level and polling settings apply in \
            place; new credentials, endpoints or queue names restart the pollers gracefully; an \
            invalid file is reported and the running configuration kept.

            Under systemd (Type=notify) it sends READY=1 once the config and the ledger are open, \
            a one-line STATUS=, and WATCHDOG=1 only while every poller makes progress.

            With [metrics] enabled (the default) GET /metrics serves Prometheus metrics on the HTTP \
            listener, or on metrics.listen; README "Monitoring" lists them, with a Grafana dashboard \
            and alert rules in Config/monitoring/.

            Exit codes: 0 stopped cleanly, 78 invalid configuration (EX_CONFIG), 73 the ledger \
            cannot be opened (EX_CANTCREAT), 1 anything else.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    func run() async throws {
        // One registry for the daemon's own metrics and anything a library records through swift-metrics.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let code = await Daemon(configPath: config, metricsRegistry: registry).run()
        if code != 0 { throw ExitCode(code) }
    }
}
