import FaultlineCore

/// Decides what an attempt to post a batch means for the batch: delivered, retried, held, or dead-lettered.
///
/// A pure function of the response (or of the transport failure), so that the policy reads as one table:
///
/// | Answer | Verdict |
/// |---|---|
/// | 2xx (200 also for a batch the collector already has) | ``Verdict/delivered`` |
/// | 408, 429, 5xx, no answer (refused, reset, timeout, TLS failure) | ``Verdict/retry(reason:retryAfter:)`` |
/// | 401, 403, 404, 405, 3xx | ``Verdict/suspend(reason:)`` |
/// | 413 and every other 4xx (400, 409, 415, 422, ...) | ``Verdict/deadLetter(reason:)`` |
///
/// `Retry-After` is read on 429 and 503 only. A 401 or 403 (the token is wrong or revoked), a 404 or 405 (the
/// URL does not lead to a collector) and a 3xx (the collector moved; redirects are not followed) say nothing
/// about the batch: dead-lettering on them would empty the spool into the dead-letter table over a mistake in
/// the agent's configuration, so every batch is kept and sending is paused instead. A 413 is dead-lettered: a
/// gzip batch cannot be split without re-encoding it, and the spool's batch size limit should stay below the
/// collector's. Reasons quote at most ``maximumBodyExcerpt`` bytes of the response body, control characters
/// escaped, since the body is whatever the server (or a proxy in front of it) chose to send.
public enum ResponseClassifier {
    /// What to do with the batch after one attempt.
    public enum Verdict: Sendable, Hashable {
        /// The collector has the batch: remove it from the spool.
        case delivered
        /// A transient failure: try another collector, or this one later. `retryAfter` is the server's
        /// `Retry-After`, when it sent one with a 429 or 503.
        case retry(reason: String, retryAfter: Duration?)
        /// The collector refuses the agent, not this batch (token, URL): keep every batch, try another
        /// collector, then pause sending for long and report it loudly.
        case suspend(reason: String)
        /// The collector will never accept this batch: move it to the dead-letter table with the reason.
        case deadLetter(reason: String)
    }

    /// The most response body bytes quoted in a reason.
    public static let maximumBodyExcerpt = 512

    /// Classifies one attempt: the response received, or the error that stopped the request.
    public static func classify(_ result: Result<HTTPResponse, HTTPClientError>) -> Verdict {
        switch result {
        case .success(let response): classify(response)
        case .failure(let error): classify(error)
        }
    }

    private static func classify(_ response: HTTPResponse) -> Verdict {
        let status = response.status
        let answer = "the collector answered HTTP \(status)" + excerpt(of: response.body)
        switch status {
        case 200..<300:
            return .delivered
        case 429, 503:
            return .retry(reason: answer, retryAfter: response.retryAfter)
        case 408, 500..<600:
            return .retry(reason: answer, retryAfter: nil)
        case 401, 403:
            return .suspend(
                reason: answer + ". The collector refuses the agent's token: check the token file and that the "
                    + "token is still valid on the collector; batches are kept until it is accepted")
        case 404, 405:
            return .suspend(
                reason: answer + ". There is no batch endpoint at this URL: check the collector URL; batches are "
                    + "kept until a collector accepts them")
        case 300..<400:
            let location = response.headers["Location"].map { " to \(EscapedText.terminal($0))" } ?? ""
            return .suspend(
                reason: "the collector answered HTTP \(status), a redirect\(location) that is not followed: "
                    + "set the collector URL to the new address; batches are kept until a collector accepts them")
        case 413:
            return .deadLetter(
                reason: answer + ". The batch is larger than the collector accepts: lower the agent's batch size "
                    + "limit below the collector's, or raise the collector's limit")
        case 400..<500:
            return .deadLetter(reason: answer)
        default:
            return .retry(reason: answer + " (not a status a collector sends)", retryAfter: nil)
        }
    }

    private static func classify(_ error: HTTPClientError) -> Verdict {
        switch error.kind {
        case .invalidRequest:
            // The token is checked when the shipper starts, so what cannot be sent is this batch's own id.
            .deadLetter(reason: "the batch cannot be sent: \(error)")
        case .setupFailed:
            .suspend(reason: "\(error); batches are kept until the HTTP client can be set up")
        default:
            .retry(reason: error.description, retryAfter: nil)
        }
    }

    /// `: <body>` with the body's first bytes, control characters escaped, or nothing for an empty body.
    private static func excerpt(of body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        let text = EscapedText.terminal(String(decoding: body.prefix(maximumBodyExcerpt), as: UTF8.self))
        return ": " + text + (body.count > maximumBodyExcerpt ? "…" : "")
    }
}
