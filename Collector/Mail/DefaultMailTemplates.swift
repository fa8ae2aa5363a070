/// The templates that ship with the collector; ``MailTemplates`` documents the values they use.
enum DefaultMailTemplates {
    static func parts(_ kind: MailKind) -> (subject: String, text: String, html: String) {
        let (subject, opening) =
            switch kind {
            case .opened:
                (
                    "[Faultline #{{id}}] New error: {{title}}",
                    "A new error was detected on your hosts; ticket #{{id}} tracks it."
                )
            case .affected:
                (
                    "[Faultline #{{id}}] Now affecting you: {{title}}",
                    "An error that ticket #{{id}} already tracks now occurs on your hosts too."
                )
            case .reopened:
                (
                    "[Faultline #{{id}}] Regression: {{title}}",
                    "The error of ticket #{{id}} occurred again after it was marked fixed; the ticket is reopened."
                )
            case .resolved:
                (
                    "[Faultline #{{id}}] Resolved: {{title}}",
                    "The fix for ticket #{{id}} held through its validation window; the ticket is closed."
                )
            }
        return (subject, text(opening), html(opening))
    }

    private static func text(_ opening: String) -> String {
        """
        \(opening)

        Ticket:      #{{id}} {{title}}
        Status:      {{status}}
        Priority:    {{priority}} ({{category}})
        Error:       {{template}}
        Source:      {{source}}
        Hosts:       {{host_list}}
        First seen:  {{first_seen}}
        Last seen:   {{last_seen}}
        Occurrences: {{occurrences}}
        {{#about_fix}}Fix:         {{fix_note}}
        {{#fix_version}}Fix version: {{fix_version}}
        {{/fix_version}}{{/about_fix}}
        {{url}}

        -- 
        Faultline

        """
    }

    private static func html(_ opening: String) -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Ticket #{{id}}</title></head>
        <body style="font-family: sans-serif">
        <p>\(opening)</p>
        <table cellpadding="4">
        <tr><th align="left">Ticket</th><td><a href="{{url}}">#{{id}}</a> {{title}}</td></tr>
        <tr><th align="left">Status</th><td>{{status}}</td></tr>
        <tr><th align="left">Priority</th><td>{{priority}} ({{category}})</td></tr>
        <tr><th align="left">Error</th><td><code>{{template}}</code></td></tr>
        <tr><th align="left">Source</th><td>{{source}}</td></tr>
        <tr><th align="left">Hosts</th><td>{{#hosts}}{{.}}<br>{{/hosts}}</td></tr>
        <tr><th align="left">First seen</th><td>{{first_seen}}</td></tr>
        <tr><th align="left">Last seen</th><td>{{last_seen}}</td></tr>
        <tr><th align="left">Occurrences</th><td>{{occurrences}}</td></tr>
        {{#about_fix}}<tr><th align="left">Fix</th><td>{{fix_note}}</td></tr>
        {{#fix_version}}<tr><th align="left">Fix version</th><td>{{fix_version}}</td></tr>{{/fix_version}}{{/about_fix}}
        </table>
        <p><a href="{{url}}">Open the ticket</a></p>
        <p style="color: #666">Faultline</p>
        </body></html>

        """
    }
}
