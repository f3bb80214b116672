import Foundation
import Testing

@testable import TensorStream

/// Reading through real pipes: short reads, huge claims, and a writer killed mid-frame.
@Suite struct PipeTests {
    /// Writes `bytes` into a pipe from another thread in small pieces; returns the read end.
    func feedingPipe(_ bytes: [UInt8], chunk: Int = 7) -> Int32 {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        let writeEnd = fds[1]
        Thread {
            var offset = 0
            while offset < bytes.count {
                let n = min(chunk, bytes.count - offset)
                let written = bytes[offset..<offset + n].withUnsafeBytes { write(writeEnd, $0.baseAddress, n) }
                if written <= 0 { break }
                offset += written
            }
            close(writeEnd)
        }.start()
        return fds[0]
    }

    @Test func framesArriveWhateverTheReadSizes() throws {
        var frame = Frame(metadata: ["seed": "3"])
        frame["image"] = try .float32(shape: [1, 3, 4, 4], (0..<48).map { Float($0) / 48 })
        let bytes = frame.encoded()
        let fd = feedingPipe(bytes + bytes + bytes, chunk: 5)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: "pipe")
        var count = 0
        while let read = try reader.next() {
            #expect(try read["image"]?.floats() == (0..<48).map { Float($0) / 48 })
            count += 1
        }
        #expect(count == 3)
    }

    @Test func aTerabyteClaimFailsAtEndOfInput() throws {
        let url = VectorTests.vectorsDirectory.appendingPathComponent("huge-data-claim.stream")
        let fd = feedingPipe(try [UInt8](Data(contentsOf: url)), chunk: 4096)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: "pipe")
        #expect {
            _ = try reader.next()
        } throws: { error in
            guard case .truncated(_, let what, let expected, let got) = error as? TensorStreamError else {
                return false
            }
            return what == "data" && expected == 1 << 40 && got == 8
        }
    }

    @Test func anUpstreamKilledMidFrameIsATruncation() throws {
        var frame = Frame()
        frame["image"] = try .float32(shape: [1, 3, 8, 8], [Float](repeating: 0.5, count: 192))
        let bytes = frame.encoded()
        let fd = feedingPipe(bytes + bytes.prefix(bytes.count / 2))
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: "pipe")
        #expect(try reader.next() != nil)
        #expect(throws: TensorStreamError.self) { _ = try reader.next() }
    }

    @Test func writerFinishesShortWritesOnAFullPipe() throws {
        // 8 MiB is far more than a pipe buffer, so writev returns short counts the writer must continue.
        var frame = Frame()
        frame["big"] = try TensorBlob(dtype: .u8, shape: [8 << 20]) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31) }
        }
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        let writeEnd = fds[1]
        let copy = frame
        Thread {
            try? FrameWriter(fileDescriptor: writeEnd).write(copy)
            close(writeEnd)
        }.start()
        defer { close(fds[0]) }
        var reader = FrameReader(fileDescriptor: fds[0], sourceName: "pipe")
        let read = try #require(try reader.next())
        #expect(read["big"] == frame["big"])
        #expect(try reader.next() == nil)
    }
}
