/// The lines the integration tests write: numbered errors in three shapes, info lines, Java stack traces, and
/// errors with random words that each make a template of their own.
enum SampleLogLines {
    /// Error line `number`; the shape (and so the template) depends on `number % 3`.
    static func error(_ number: Int) -> String {
        switch number % 3 {
        case 0:
            "2026-11-21 10:00:00,\(100 + number % 900) ERROR [worker-\(number % 4)] order \(number) failed: "
                + "payment declined"
        case 1:
            "2026-11-21 10:00:01,000 ERROR [db-pool] connection to 10.0.\(number % 200).7 refused after "
                + "\(number) retries"
        default: "ERROR request \(number) timed out after 30s"
        }
    }

    /// A line that is not an error.
    static func info(_ number: Int) -> String {
        "2026-11-21 10:00:02,000 INFO [worker-\(number % 4)] order \(number) shipped"
    }

    /// An error logged with a Java exception: the message line, the exception, frames, a cause.
    static func javaTrace(_ number: Int) -> [String] {
        [
            "2026-11-21 10:00:03,000 ERROR [http-\(number % 8)] checkout \(number) failed",
            "java.lang.IllegalStateException: cart \(number) is locked",
            "\tat com.example.cart.CartService.checkout(CartService.java:88)",
            "\tat com.example.web.CheckoutController.post(CheckoutController.java:41)",
            "Caused by: java.sql.SQLTransientException: lock wait timeout",
            "\tat com.example.db.Pool.acquire(Pool.java:120)",
            "\t... 2 more",
        ]
    }

    /// An error whose constant words are random, so that it makes a template (and a group) of its own; about 200
    /// bytes that compress poorly.
    static func distinctError(using random: inout some RandomNumberGenerator) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let words = (0..<20).map { _ in
            String((0..<Int.random(in: 5...9, using: &random)).map { _ in letters.randomElement(using: &random)! })
        }
        return "ERROR cannot " + words.joined(separator: " ")
    }
}
