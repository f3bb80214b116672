import Foundation
import TensorStream
import Testing

/// `unclip-tensors` and the program contract every stage shares, run through real pipes.
@Suite struct TensorsToolTests {
    /// Writes `count` frames, each with an `image` tensor of `floats` values and a `frame` metadata key.
    static func makeStream(at url: URL, count: Int, floats: Int = 1000) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        let writer = FrameWriter(fileDescriptor: fd)
        for k in 0..<count {
            var frame = Frame(metadata: ["frame": String(k)])
            frame["image"] = try TensorBlob.float32(shape: [1, floats], (0..<floats).map { Float($0 + k) })
            frame["text.tokens"] = try TensorBlob.int32(shape: [1, 3], [49406, Int32(k), 49407])
            try writer.write(frame)
        }
    }

    static func frames(in data: Data) throws -> [Frame] {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s")
        try data.write(to: url)
        let fd = open(url.path, O_RDONLY)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: "test")
        var frames: [Frame] = []
        while let f = try reader.next() { frames.append(f) }
        return frames
    }

    @Test func catPassesFramesThroughUnchanged() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 3)
        let r = try Shell.run("unclip-tensors cat a.st - < a.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let original = try Data(contentsOf: dir.appendingPathComponent("a.st"))
        #expect(r.stdout == original + original)
    }

    @Test func lsListsTensorsStatisticsAndMetadata() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 2, floats: 5)
        let r = try Shell.run("unclip-tensors ls a.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(text.contains("frame 1: 2 tensors"))
        #expect(text.contains("image        F32   [1, 5]  min 1  max 5  mean 3"))
        #expect(text.contains("text.tokens  I32   [1, 3]  min 1  max 49407"))
        #expect(text.contains("frame = 1"))
    }

    @Test func headSelectDropAndNpy() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 4, floats: 6)
        let head = try Shell.run("unclip-tensors head -n 2 a.st | unclip-tensors select image", in: dir)
        #expect(head.status == 0, "\(head.stderr)")
        let frames = try Self.frames(in: head.stdout)
        #expect(frames.count == 2)
        #expect(frames.map(\.names) == [["image"], ["image"]])
        #expect(frames[1].metadata["frame"] == "1")
        let dropped = try Self.frames(in: try Shell.run("unclip-tensors drop image,nothing < a.st", in: dir).stdout)
        #expect(dropped.map(\.names) == Array(repeating: ["text.tokens"], count: 4))

        let npy = try Shell.run("unclip-tensors npy image -o x.npy --frame 3 a.st", in: dir)
        #expect(npy.status == 0, "\(npy.stderr)")
        let bytes = try Data(contentsOf: dir.appendingPathComponent("x.npy"))
        #expect(bytes.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (1, 6)"))
        let values = bytes[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == [3, 4, 5, 6, 7, 8])

        let missing = try Shell.run("unclip-tensors npy nope -o y.npy a.st", in: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("frame 0 has no tensor 'nope'"))
    }

    @Test func truncatedInputFailsWithOneLineAndOnlyWholeFramesOut() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.st")
        try Self.makeStream(at: url, count: 3)
        let size = try Data(contentsOf: url).count
        // Cut inside the third frame: the first two come out whole, then a clean error.
        for cut in [size - 1, size - 3000, size / 3 * 2 + 5] {
            let r = try Shell.run("head -c \(cut) a.st | unclip-tensors cat", in: dir)
            #expect(r.status == 1)
            #expect(r.stderr.hasPrefix("unclip-tensors: "))
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("frame 2"), "\(r.stderr)")
            #expect(try Self.frames(in: r.stdout).count == 2)
        }
    }

    @Test func upstreamKilledMidFrame() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 1, floats: 100_000)
        // The writer sends half a frame and is killed; the reader must report truncation, not hang or crash.
        let r = try Shell.run(
            "( head -c 200000 a.st; kill -9 $BASHPID ) | unclip-tensors cat > out.st; echo $? > status", in: dir)
        let status = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try Data(contentsOf: dir.appendingPathComponent("out.st")).isEmpty)
        _ = r
    }

    @Test func closedDownstreamPipeEndsQuietly() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 8, floats: 1 << 20)
        let r = try Shell.run("unclip-tensors cat a.st | head -c 100 > /dev/null; echo ${PIPESTATUS[0]}", in: dir)
        #expect(String(decoding: r.stdout, as: UTF8.self) == "0\n")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func refusesToWriteFramesToATerminal() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeStream(at: dir.appendingPathComponent("a.st"), count: 1)
        // script(1) runs the stage with a pseudo-terminal as stdout.
        let r = try Shell.run("script -qec 'unclip-tensors cat a.st' /dev/null", in: dir)
        #expect(r.status == 64)
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(text.contains("unclip-tensors cat: refusing to write binary frames to a terminal"))
        #expect(!text.contains("unclip.tensor-stream"))
    }

    @Test func hugeHeaderLengthIsRefused() throws {
        // 2^63 as the header length, then nothing.
        let r = try Shell.run("unclip-tensors cat", stdin: Data([0, 0, 0, 0, 0, 0, 0, 0x80]))
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("unclip-tensors: ") && r.stderr.contains("frame 0"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrorsExit64AndHelpExits0() throws {
        let bad = try Shell.run("unclip-tensors frob")
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("unclip-tensors: unknown command 'frob'"))
        let bad2 = try Shell.run("unclip-tensors head --frames x < /dev/null")
        #expect(bad2.status == 64)
        let help = try Shell.run("unclip-tensors --help && unclip-tensors head --help")
        #expect(help.status == 0)
        let text = String(decoding: help.stdout, as: UTF8.self)
        #expect(text.contains("usage: unclip-tensors COMMAND"))
        #expect(text.contains("usage: unclip-tensors head [-n N] [STREAM]"))
        let missing = try Shell.run("unclip-tensors ls no-such-file")
        #expect(missing.status == 1)
        #expect(missing.stderr == "unclip-tensors: cannot open 'no-such-file': No such file or directory\n")
    }
}
