import Foundation
import Testing

@testable import TensorStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct RoundTripTests {
    func sampleFrame() throws -> Frame {
        var frame = Frame(metadata: ["prompt": "[\"a \\\"red\\\" cube\\n\"]", "seed": "42"])
        frame["text.tokens"] = try .int32(shape: [1, 3], [49406, 320, 49407])
        frame["text.embed"] = try .float32(shape: [1, 2], [0.5, -1.25])
        frame["empty"] = try .float32(shape: [0, 4], [])
        frame["mask"] = try .bool(shape: [3], [true, false, true])
        return frame
    }

    @Test func encodeThenReadGivesTheSameFrame() throws {
        let frame = try sampleFrame()
        let bytes = frame.encoded()
        var reader = FrameReader(bytes: bytes + bytes)
        let first = try #require(try reader.next())
        let second = try #require(try reader.next())
        #expect(try reader.next() == nil)
        #expect(reader.framesRead == 2)
        var expected = frame
        expected.metadata["format"] = StreamFormat.formatValue
        #expect(first == expected)
        #expect(second == expected)
        #expect(first.names == ["text.tokens", "text.embed", "empty", "mask"])
        #expect(try first["text.embed"]?.floats() == [0.5, -1.25])
        #expect(try first["text.tokens"]?.int64s() == [49406, 320, 49407])
        #expect(try first["mask"]?.bools() == [true, false, true])
    }

    @Test func headerIsPaddedToEightBytes() throws {
        let bytes = try sampleFrame().encoded()
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
    }

    @Test func writerAndReaderWorkThroughAPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let frame = try sampleFrame()
        let writer = FrameWriter(fileDescriptor: fds[1])
        let writeEnd = fds[1]
        let thread = Thread {
            try? writer.write(frame)
            try? writer.write(frame)
            close(writeEnd)
        }
        thread.start()
        var reader = FrameReader(fileDescriptor: fds[0], sourceName: "pipe")
        #expect(try reader.next()?.names.count == 4)
        #expect(try reader.next()?.names.count == 4)
        #expect(try reader.next() == nil)
        close(fds[0])
    }

    @Test func brokenPipeIsADistinctError() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let frame = try sampleFrame()
        #expect(throws: TensorStreamError.brokenPipe) { try FrameWriter(fileDescriptor: fds[1]).write(frame) }
    }

    @Test func fileHelpersRoundTrip() throws {
        let path = "/tmp/tensorstream-test-\(getpid()).safetensors"
        defer { unlink(path) }
        try sampleFrame().write(to: path)
        let frame = try Frame(contentsOf: path)
        #expect(frame.names.count == 4)
        #expect(frame.metadata["format"] == StreamFormat.formatValue)
    }

    @Test func subscriptAppendsReplacesAndRemoves() throws {
        var frame = try sampleFrame()
        frame["text.embed"] = try .float32(shape: [1], [1])
        #expect(frame.names == ["text.tokens", "text.embed", "empty", "mask"])
        frame["text.tokens"] = nil
        frame["new"] = try .int64(shape: [], [7])
        #expect(frame.names == ["text.embed", "empty", "mask", "new"])
    }

    @Test func blobValidatesItsSize() {
        #expect(throws: TensorStreamError.self) { try TensorBlob(dtype: .f32, shape: [2], bytes: [0, 0, 0]) }
        #expect(throws: TensorStreamError.self) { try TensorBlob.float32(shape: [-1], []) }
        #expect(throws: TensorStreamError.self) { try TensorBlob.float32(shape: [Int.max, 2], []) }
    }

    @Test func halfPrecisionConversions() throws {
        // 1.0, -2.0, 65504, smallest subnormal, inf
        let halfBits: [UInt16] = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]
        let blob = try TensorBlob(
            dtype: .f16, shape: [5], bytes: halfBits.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] })
        #expect(try blob.floats() == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        let bf = try TensorBlob(dtype: .bf16, shape: [1], bytes: [0x80, 0x3f])
        #expect(try bf.floats() == [1])
        let e4m3 = try TensorBlob(dtype: .f8E4M3, shape: [3], bytes: [0x38, 0x7e, 0x01])
        #expect(try e4m3.floats() == [1, 448, Float(sign: .plus, exponent: -9, significand: 1)])
        #expect(throws: TensorStreamError.self) { try blob.int64s() }
    }
}
