import Foundation
import Testing

@testable import TensorStream

/// Replays `proto/vectors/manifest.tsv`: every golden vector must give its expected outcome, from memory and from
/// a file descriptor alike.
@Suite struct VectorTests {
    struct Row: CustomStringConvertible, Sendable {
        var file: String
        var expect: String
        var frames: Int
        var kind: String
        var python: String
        var description: String { file }
    }

    static let vectorsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proto/vectors")

    static let rows: [Row] = {
        guard
            let text = try? String(contentsOf: vectorsDirectory.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, let frames = Int(fields[2]) else { return nil }
            return Row(file: fields[0], expect: fields[1], frames: frames, kind: fields[3], python: fields[4])
        }
    }()

    /// Frames read and the error kind (or nil) for a reader run to the end.
    static func outcome(_ reader: inout FrameReader) -> (frames: Int, kind: String?) {
        var frames = 0
        do {
            while try reader.next() != nil { frames += 1 }
            return (frames, nil)
        } catch let error as TensorStreamError {
            return (frames, error.kind)
        } catch {
            return (frames, "unexpected \(error)")
        }
    }

    @Test func manifestIsComplete() {
        #expect(Self.rows.count >= 50)
        let kinds = Set(Self.rows.map(\.kind))
        for kind in [
            "truncated", "header-too-large", "invalid-json", "invalid-header", "unknown-dtype", "invalid-shape",
            "invalid-offsets", "size-mismatch", "duplicate-name", "unsupported-format",
        ] {
            #expect(kinds.contains(kind), "no vector for \(kind)")
        }
    }

    @Test(arguments: rows) func vectorGivesExpectedOutcome(_ row: Row) throws {
        let url = Self.vectorsDirectory.appendingPathComponent(row.file)
        let bytes = try [UInt8](Data(contentsOf: url))
        var memoryReader = FrameReader(bytes: bytes, sourceName: row.file)
        let fromMemory = Self.outcome(&memoryReader)
        let fd = open(url.path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var fileReader = FrameReader(fileDescriptor: fd, sourceName: row.file)
        let fromFile = Self.outcome(&fileReader)
        #expect(fromMemory.frames == row.frames)
        #expect(fromFile.frames == row.frames)
        if row.expect == "ok" {
            #expect(fromMemory.kind == nil)
            #expect(fromFile.kind == nil)
        } else {
            #expect(fromMemory.kind == row.kind)
            #expect(fromFile.kind == row.kind)
        }
    }

    @Test func errorsNameFrameTensorAndOffset() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.vectorsDirectory.appendingPathComponent("size-mismatch.stream")))
        var reader = FrameReader(bytes: bytes, sourceName: "v")
        #expect {
            _ = try reader.next()
        } throws: { error in
            guard case .sizeMismatch(let at, let tensor, let expected, let actual) = error as? TensorStreamError else {
                return false
            }
            // The entry's key "a" is the first byte after the 8-byte length and the opening brace.
            return at == StreamPosition(source: "v", frame: 0, offset: 9) && tensor == "a" && expected == 8
                && actual == 4
        }
        let second = try [UInt8](
            Data(contentsOf: Self.vectorsDirectory.appendingPathComponent("truncated-second-frame.stream")))
        var secondReader = FrameReader(bytes: second, sourceName: "v")
        _ = try secondReader.next()
        #expect {
            _ = try secondReader.next()
        } throws: { error in
            guard case .truncated(let at, let what, _, _) = error as? TensorStreamError else { return false }
            return at.frame == 1 && what == "data" && at.offset == second.count
        }
        // The error stays: a loop that retries never sees a clean end.
        #expect(throws: TensorStreamError.self) { _ = try secondReader.next() }
    }

    @Test func frameIndexAndPositionInDescription() throws {
        let error = TensorStreamError.invalidOffsets(
            StreamPosition(source: "stdin", frame: 3, offset: 1234), tensor: "image", reason: "gap")
        #expect(error.description == "stdin: frame 3, byte 1234, tensor 'image': invalid data_offsets: gap")
    }

    @Test func headerLimitIsConfigurable() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.vectorsDirectory.appendingPathComponent("one-frame.stream")))
        var tight = FrameReader(bytes: bytes, maxHeaderBytes: 16)
        #expect(throws: TensorStreamError.self) { _ = try tight.next() }
    }
}
