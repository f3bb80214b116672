import Foundation
import Testing

@testable import TensorStream

#if os(Linux)
    /// Opt-in: `UNCLIP_BENCH=1 swift test --filter ThroughputBenchmark` (add `-c release` for release numbers).
    /// Moves 64 MiB frames through a pass-through (read a frame, write it back) and through `cat`, side by side,
    /// between the same producer and consumer, and expects at least half of `cat`'s throughput.
    @Suite(.enabled(if: ProcessInfo.processInfo.environment["UNCLIP_BENCH"] != nil, "set UNCLIP_BENCH=1 to run"))
    struct ThroughputBenchmark {
        static let frameCount = 16

        func makePipe() -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            _ = pipe(&fds)
            // Keep the other pipe ends out of the `cat` child, or its copies would hold the pipes open.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }

        /// Seconds to push `frameCount` frames from a producer thread through `middle` to a consumer.
        func measure(_ frame: Frame, middle: (_ input: Int32, _ output: Int32) throws -> Void) throws -> Double {
            let upstream = makePipe()
            let downstream = makePipe()
            let start = Date()
            Thread {
                let writer = FrameWriter(fileDescriptor: upstream.write)
                for _ in 0..<Self.frameCount { try? writer.write(frame) }
                close(upstream.write)
            }.start()
            let done = DispatchSemaphore(value: 0)
            Thread {
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
                while read(downstream.read, buffer, 1 << 20) > 0 {}
                buffer.deallocate()
                close(downstream.read)
                done.signal()
            }.start()
            try middle(upstream.read, downstream.write)
            done.wait()
            return Date().timeIntervalSince(start)
        }

        @Test func passThroughKeepsUpWithCat() throws {
            var frame = Frame(metadata: ["seed": "1"])
            frame["image"] = try TensorBlob(dtype: .f32, shape: [16, 3, 512, 682]) { buffer in
                for i in stride(from: 0, to: buffer.count, by: 4096) { buffer[i] = UInt8(truncatingIfNeeded: i >> 12) }
            }
            let megabytes = Double(frame.encoded().count * Self.frameCount) / 1_048_576
            var catSeconds = Double.infinity
            var passSeconds = Double.infinity
            for _ in 0..<3 {
                catSeconds = min(
                    catSeconds,
                    try measure(frame) { input, output in
                        let cat = Process()
                        cat.executableURL = URL(fileURLWithPath: "/bin/cat")
                        cat.standardInput = FileHandle(fileDescriptor: input, closeOnDealloc: false)
                        cat.standardOutput = FileHandle(fileDescriptor: output, closeOnDealloc: false)
                        try cat.run()
                        close(input)
                        close(output)
                        cat.waitUntilExit()
                    })
                passSeconds = min(
                    passSeconds,
                    try measure(frame) { input, output in
                        var reader = FrameReader(fileDescriptor: input, sourceName: "bench")
                        let writer = FrameWriter(fileDescriptor: output)
                        while let frame = try reader.next() { try writer.write(frame) }
                        close(input)
                        close(output)
                    })
            }
            let catRate = megabytes / catSeconds
            let passRate = megabytes / passSeconds
            print(
                String(
                    format:
                        "ThroughputBenchmark: %.0f MiB in 64 MiB frames: cat %.0f MiB/s, pass-through %.0f MiB/s (%.0f%%)",
                    megabytes, catRate, passRate, 100 * passRate / catRate))
            #expect(passRate >= catRate / 2)
        }
    }
#endif
