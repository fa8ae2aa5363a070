import FaultlineCore
import Testing

@testable import FaultlineAgent

@Suite("ResponseClassifier")
struct ResponseClassifierTests {
    private enum Kind: Equatable {
        case delivered, retry, suspend, deadLetter
    }

    private func kind(_ verdict: ResponseClassifier.Verdict) -> Kind {
        switch verdict {
        case .delivered: .delivered
        case .retry: .retry
        case .suspend: .suspend
        case .deadLetter: .deadLetter
        }
    }

    private func classify(_ status: Int, headers: HTTPHeaders = [:], body: String = "") -> ResponseClassifier.Verdict {
        ResponseClassifier.classify(.success(HTTPResponse(status: status, headers: headers, body: Array(body.utf8))))
    }

    @Test func followsTheTable() {
        let expected: [Int: Kind] = [
            200: .delivered, 201: .delivered, 202: .delivered, 204: .delivered,
            408: .retry, 429: .retry, 500: .retry, 502: .retry, 503: .retry, 504: .retry,
            401: .suspend, 403: .suspend, 404: .suspend, 405: .suspend, 301: .suspend, 308: .suspend,
            400: .deadLetter, 409: .deadLetter, 413: .deadLetter, 415: .deadLetter, 422: .deadLetter,
            100: .retry, 699: .retry,
        ]
        for (status, wanted) in expected {
            #expect(kind(classify(status)) == wanted, "status \(status)")
        }
    }

    @Test func readsRetryAfterOnlyOn429And503() {
        #expect(
            classify(429, headers: ["Retry-After": "2"])
                == .retry(reason: "the collector answered HTTP 429", retryAfter: .seconds(2)))
        #expect(
            classify(503, headers: ["Retry-After": "7"])
                == .retry(reason: "the collector answered HTTP 503", retryAfter: .seconds(7)))
        #expect(
            classify(500, headers: ["Retry-After": "7"])
                == .retry(reason: "the collector answered HTTP 500", retryAfter: nil))
    }

    @Test func namesTheRedirectTarget() {
        guard case .suspend(let reason) = classify(301, headers: ["Location": "https://new:8443/api/v1/batches"]) else {
            Issue.record("expected suspend")
            return
        }
        #expect(reason.contains("to https://new:8443/api/v1/batches"))
    }

    @Test func transportFailuresAreRetriedAndUnsendableBatchesDeadLettered() throws {
        let client = try HTTPClient(configuration: .init(connectTimeout: .seconds(2), totalTimeout: .seconds(2)))
        let refused = Result { () throws(HTTPClientError) in try client.post("http://127.0.0.1:9/", body: []) }
        #expect(kind(ResponseClassifier.classify(refused)) == .retry)
        let badHeader = Result { () throws(HTTPClientError) in
            try client.post("http://127.0.0.1:9/", body: [], headers: ["X-Faultline-Batch": "a\r\nb"])
        }
        #expect(kind(ResponseClassifier.classify(badHeader)) == .deadLetter)
    }
}
