import Hummingbird

/// The 200 answer to a batch: stored now, or stored before (`duplicate`); either way the agent may drop it.
struct BatchReceipt: ResponseEncodable, Decodable, Equatable {
    /// `stored` or `duplicate`.
    var status: String
    /// The batch's id.
    var batchID: String
    /// How many groups the batch touched; 0 for a duplicate.
    var groups: Int

    enum CodingKeys: String, CodingKey {
        case status, groups
        case batchID = "batch_id"
    }
}
