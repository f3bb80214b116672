import Foundation
import Testing

@testable import TensorStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `Frame(contentsOf:)` maps well-formed files; these tests hold it to the stream reader's verdicts.
@Suite struct MappedFileTests {
    /// A fresh path under the temporary directory.
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("unclip-mapped-\(getpid())-\(name)").path
    }

    /// The stream reader's verdict on a one-frame file: the frame, or the error kind.
    func streamVerdict(_ path: String) throws -> Result<Frame, TensorStreamError> {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path)
        do {
            guard let frame = try reader.next() else {
                return .failure(
                    .truncated(StreamPosition(source: path, frame: 0, offset: 0), what: "", expected: 8, got: 0))
            }
            try reader.expectEnd()
            return .success(frame)
        } catch let error as TensorStreamError {
            return .failure(error)
        }
    }

    @Test(arguments: VectorTests.rows) func fileVerdictMatchesTheStreamReader(_ row: VectorTests.Row) throws {
        let path = VectorTests.vectorsDirectory.appendingPathComponent(row.file).path
        let expected = try streamVerdict(path)
        do {
            let frame = try Frame(contentsOf: path)
            guard case .success(let streamed) = expected else {
                Issue.record("\(row.file): mapped read succeeded where the stream reader failed")
                return
            }
            #expect(frame == streamed)
        } catch let error as TensorStreamError {
            guard case .failure(let streamError) = expected else {
                Issue.record("\(row.file): mapped read failed with \(error) where the stream reader succeeded")
                return
            }
            #expect(error.kind == streamError.kind, "\(row.file)")
        }
    }

    @Test func wellFormedFileIsMappedAndSurvivesReleasedPages() throws {
        var frame = Frame(metadata: ["seed": "3"])
        let values = (0..<300_000).map { Float($0) * 0.25 }
        frame["big"] = try .float32(shape: [values.count], values)
        frame["small"] = try .int32(shape: [2], [7, -7])
        let path = temporaryPath("big.safetensors")
        defer { unlink(path) }
        try frame.write(to: path)
        let read = try Frame(contentsOf: path)
        let big = try #require(read["big"])
        #expect(big.storage.isMapped)
        #expect(read["big"] == frame["big"] && read["small"] == frame["small"] && read.metadata["seed"] == "3")
        big.releaseMappedPages()
        #expect(read["big"] == frame["big"], "released pages come back from the file")
    }

    @Test func paddedFileFallsBackToTheStreamDiagnostics() throws {
        let frame = Frame(metadata: ["seed": "1"])
        let path = temporaryPath("padded.safetensors")
        defer { unlink(path) }
        try Data(frame.encoded() + [0]).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Frame(contentsOf: path)
        } throws: { error in
            (error as? TensorStreamError)?.kind == "trailing-data"
        }
    }
}
