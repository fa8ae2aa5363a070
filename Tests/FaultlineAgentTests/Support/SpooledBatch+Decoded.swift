import FaultlineAgent
import FaultlineCore
import Foundation

extension SpooledBatch {
    /// Decompresses and decodes the body as the collector does, with Foundation's `JSONDecoder`.
    func decoded() throws -> Batch {
        let json = try Gzip.decompress(body, maximumSize: 256 << 20)
        return try JSONDecoder().decode(Batch.self, from: Data(json))
    }
}
