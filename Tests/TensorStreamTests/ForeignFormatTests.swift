import Foundation
import TensorStream
import Testing

/// Checkpoints written by PyTorch or safetensors say `format: pt`: weight files accept that, streams do not, and
/// neither accepts another major version of this stream.
@Suite struct ForeignFormatTests {
    /// A one-tensor safetensors file with the given `format` metadata.
    func file(format: String) throws -> String {
        let header =
            "{\"__metadata__\":{\"format\":\"\(format)\"},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
        bytes += Array(header.utf8) + [0, 0, 128, 63]
        let path = NSTemporaryDirectory() + "foreign-\(UUID().uuidString).safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func checkpointsAcceptForeignFormatsStreamsDoNot() throws {
        let pt = try file(format: "pt")
        let future = try file(format: "unclip.tensor-stream/2.0")
        defer {
            try? FileManager.default.removeItem(atPath: pt)
            try? FileManager.default.removeItem(atPath: future)
        }
        #expect(throws: TensorStreamError.self) { try Frame(contentsOf: pt) }
        #expect(try Frame(contentsOf: pt, acceptingForeignFormats: true)["w"]?.floats() == [1])
        #expect(throws: TensorStreamError.self) { try Frame(contentsOf: future, acceptingForeignFormats: true) }
    }
}
