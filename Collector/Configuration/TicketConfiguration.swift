import FaultlineCore

/// The ticket engine's settings, the `[tickets]` table of `collector.toml`.
///
/// ```toml
/// [tickets]
/// threshold_occurrences = 1        # a group opens a ticket after this many occurrences...
/// threshold_window = "1h"          # ...within this window
/// validation_window = "24h"        # how long a fix must hold before the ticket closes
/// validation_check_interval = "30s"
///
/// [[tickets.categories]]           # the first rule that matches names the category
/// name = "database"
/// source = "postgres"              # part of the unit, file or identifier that reported the error
/// template = "connection"          # part of the error's template
///
/// [[tickets.thresholds]]           # the first rule that matches replaces threshold_occurrences/_window
/// source = "cron"                  # same matching as the categories
/// occurrences = 10
/// window = "10m"
/// ```
public struct TicketConfiguration: Sendable {
    /// A rule that gives a ticket its category; both parts must match, an empty part matches anything.
    public struct CategoryRule: Sendable, Hashable {
        /// The category a matching ticket gets.
        public var name: String
        /// Text the error's source identity (unit, identifier or file) must contain.
        public var sourceContains: String
        /// Text the error's template must contain.
        public var templateContains: String

        /// Creates a rule.
        public init(name: String, sourceContains: String = "", templateContains: String = "") {
            self.name = name
            self.sourceContains = sourceContains
            self.templateContains = templateContains
        }

        /// Whether an error from `source` with `template` matches the rule.
        public func matches(source: String, template: String) -> Bool {
            (sourceContains.isEmpty || source.contains(sourceContains))
                && (templateContains.isEmpty || template.contains(templateContains))
        }
    }

    /// A threshold of its own for the errors of some sources or templates (a noisy cron job that only matters
    /// when it fails ten times in ten minutes).
    public struct ThresholdRule: Sendable, Hashable {
        /// Which errors: both parts must match, an empty part matches anything.
        public var match: CategoryRule
        /// Occurrences within ``window`` that open a ticket.
        public var occurrences: Int
        /// The window they count in.
        public var window: Duration

        /// Creates a rule.
        public init(sourceContains: String = "", templateContains: String = "", occurrences: Int, window: Duration) {
            match = CategoryRule(name: "", sourceContains: sourceContains, templateContains: templateContains)
            self.occurrences = occurrences
            self.window = window
        }
    }

    /// Occurrences within ``thresholdWindow`` that open a ticket for a group.
    public var thresholdOccurrences: Int
    /// The window the threshold counts in.
    public var thresholdWindow: Duration
    /// Thresholds for some sources or templates, first match wins; the others use the two above.
    public var thresholdRules: [ThresholdRule]
    /// How long a fix must hold, without an occurrence newer than it, before the ticket closes.
    public var validationWindow: Duration
    /// How often the validation windows are checked.
    public var validationCheckInterval: Duration
    /// The category rules, first match wins; a ticket no rule matches is in `general`.
    public var categoryRules: [CategoryRule]

    /// Creates ticket settings; by default the first occurrence opens a ticket and a fix holds for a day.
    public init(
        thresholdOccurrences: Int = 1, thresholdWindow: Duration = .seconds(3600),
        validationWindow: Duration = .seconds(86_400), validationCheckInterval: Duration = .seconds(30),
        categoryRules: [CategoryRule] = [], thresholdRules: [ThresholdRule] = []
    ) {
        self.thresholdOccurrences = thresholdOccurrences
        self.thresholdWindow = thresholdWindow
        self.thresholdRules = thresholdRules
        self.validationWindow = validationWindow
        self.validationCheckInterval = validationCheckInterval
        self.categoryRules = categoryRules
    }

    /// Decodes the `[tickets]` table.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        let defaults = TicketConfiguration()
        let occurrences = try table.integer(
            "threshold_occurrences", default: defaults.thresholdOccurrences, in: 1...1_000_000)
        let window = try table.duration("threshold_window", default: defaults.thresholdWindow)
        let validation = try table.duration("validation_window", default: defaults.validationWindow)
        let interval = try table.duration("validation_check_interval", default: defaults.validationCheckInterval)
        for (key, value) in [
            ("threshold_window", window), ("validation_window", validation),
            ("validation_check_interval", interval),
        ] where value <= .zero {
            throw table.invalidValue(key, "must be longer than zero")
        }
        var rules: [CategoryRule] = []
        for rule in try table.tables("categories") {
            guard let name = try rule.string("name"), !name.isEmpty else {
                throw rule.invalidValue("name", "every [[tickets.categories]] rule needs a name")
            }
            rules.append(
                CategoryRule(
                    name: name, sourceContains: try rule.string("source", default: ""),
                    templateContains: try rule.string("template", default: "")))
        }
        var thresholds: [ThresholdRule] = []
        for rule in try table.tables("thresholds") {
            let source = try rule.string("source", default: "")
            let template = try rule.string("template", default: "")
            if source.isEmpty && template.isEmpty {
                throw rule.invalidValue(
                    "source", "every [[tickets.thresholds]] rule needs a source or a template to match")
            }
            let ruleWindow = try rule.duration("window", default: window)
            if ruleWindow <= .zero { throw rule.invalidValue("window", "must be longer than zero") }
            thresholds.append(
                ThresholdRule(
                    sourceContains: source, templateContains: template,
                    occurrences: try rule.integer("occurrences", default: occurrences, in: 1...1_000_000),
                    window: ruleWindow))
        }
        self.init(
            thresholdOccurrences: occurrences, thresholdWindow: window, validationWindow: validation,
            validationCheckInterval: interval, categoryRules: rules, thresholdRules: thresholds)
    }

    /// The threshold of an error from `source` with `template`: the first matching rule's, else the global one.
    public func threshold(source: String, template: String) -> (occurrences: Int, window: Duration) {
        if let rule = thresholdRules.first(where: { $0.match.matches(source: source, template: template) }) {
            return (rule.occurrences, rule.window)
        }
        return (thresholdOccurrences, thresholdWindow)
    }

    /// The category of an error from `source` with `template`.
    public func category(source: String, template: String) -> String {
        categoryRules.first { $0.matches(source: source, template: template) }?.name ?? "general"
    }
}

extension Duration {
    /// The duration in whole microseconds, the unit of the database's times.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
