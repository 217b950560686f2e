import Foundation
import Testing
@testable import CIPortDataset

struct DatasetRecordTests {
    @Test func recordRoundTripsThroughJSON() throws {
        let r = DatasetRecord(messages: [.init(role: "user", content: "x"), .init(role: "assistant", content: "y")],
                              meta: .init(id: "a", task: "platform", source: .init(platform: .github), target: .init(platform: .gitlab),
                                          provenance: "authored", license: "MIT", hash: "0"))
        let data = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(DatasetRecord.self, from: data) == r)
    }
}
