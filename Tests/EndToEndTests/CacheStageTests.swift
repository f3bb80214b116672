import Foundation
import TensorStream
import Testing

/// `unclip-cache` through real pipes: a hit replays the stored bytes without running the stage, a failing or
/// interrupted stage leaves no entry, and a cached stage's output is byte-identical to an uncached run.
@Suite struct CacheStageTests {
    /// A scratch folder holding `once.sh`: a stage that passes stdin through after a line naming its arguments,
    /// and fails if it has run before in this folder (so a second run can only succeed by being replayed).
    static func scratch() throws -> URL {
        let dir = try Shell.temporaryDirectory()
        let script = dir.appendingPathComponent("once.sh")
        try Data(
            """
            #!/usr/bin/env bash
            if [ -e ran ]; then echo "once.sh: ran twice" >&2; exit 3; fi
            touch ran
            echo "args: $*"
            cat
            """.utf8
        ).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return dir
    }

    static func text(_ name: String, in dir: URL) throws -> String {
        String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self)
    }

    /// The names under `folder`, recursively (empty when it does not exist).
    static func contents(_ folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func hitReplaysTheStoredBytesWithoutRunningTheStage() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Shell.run(
            "printf 'frame bytes' > in.bin"
                + " && unclip-cache --dir cache -- ./once.sh x 'y z' < in.bin > a.out"
                + " && unclip-cache --dir cache -- ./once.sh x 'y z' < in.bin > b.out"
                + " && cat in.bin | unclip-cache --dir cache -- ./once.sh x 'y z' > c.out",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.text("a.out", in: dir) == "args: x y z\nframe bytes")
        #expect(try Self.text("b.out", in: dir) == "args: x y z\nframe bytes", "replayed from a file on stdin")
        #expect(try Self.text("c.out", in: dir) == "args: x y z\nframe bytes", "replayed from a pipe on stdin")
        #expect(r.stderr.components(separatedBy: "unclip-cache: replaying ./once.sh").count == 3, "\(r.stderr)")
        #expect(!r.stderr.contains("ran twice"))

        // Another input, or other arguments, are other keys: the stage runs (and here fails, having run before).
        for script in [
            "printf 'other bytes' | unclip-cache --dir cache -- ./once.sh x 'y z'",
            "unclip-cache --dir cache -- ./once.sh x y z < in.bin",
        ] {
            let miss = try Shell.run(script, in: dir)
            #expect(miss.status == 3 && miss.stderr == "once.sh: ran twice\n", "\(script): \(miss.stderr)")
            #expect(miss.stdout.isEmpty)
        }
        let list = try Shell.run("unclip-cache --dir cache list", in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        let rows = String(decoding: list.stdout, as: UTF8.self).split(separator: "\n")
        #expect(rows.count == 1, "\(rows)")
        let fields = rows.first?.split(separator: "\t", omittingEmptySubsequences: false) ?? []
        #expect(fields.count == 5 && fields[0].count == 16 && fields[1] == "./once.sh" && fields[2] == "23")
        #expect(fields.count == 5 && fields[3].hasSuffix("Z") && fields[4] == "x y z", "\(fields)")
        #expect(list.stderr.contains("1 entries, 23 bytes"))

        let clear = try Shell.run(
            "unclip-cache --dir cache clear --older-than 1 && unclip-cache --dir cache clear", in: dir)
        #expect(
            clear.status == 0 && clear.stderr.contains("removed 0 entries")
                && clear.stderr.contains("removed 1 entries"))
        let empty = try Shell.run("unclip-cache --dir cache list", in: dir)
        #expect(empty.stdout.isEmpty && empty.stderr.contains("0 entries"))
    }

    @Test func failingStagePassesStatusAndStderrAndStoresNothing() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, Int32, String)] = [
            (
                "bash -c 'cat > /dev/null; printf partial; echo \"fake: frame 0: bad tensor\" >&2; exit 3'", 3,
                "fake: frame 0: bad tensor\n"
            ),
            ("bash -c 'printf partial; kill -KILL $$'", 137, ""),
            ("unclip-decode --model /nonexistent", 1, "unclip-decode: "),
        ]
        for (stage, status, stderr) in cases {
            let r = try Shell.run("printf input | unclip-cache --dir cache -- " + stage, in: dir)
            #expect(r.status == status, "\(stage): \(r.stderr)")
            #expect(r.stderr.hasPrefix(stderr) && r.stderr.split(separator: "\n").count <= 1, "\(stage): \(r.stderr)")
            #expect(r.stdout.isEmpty, "nothing of a failed stage reaches the pipe")
        }
        #expect(Self.contents(dir.appendingPathComponent("cache/entries")).isEmpty)
        #expect(Self.contents(dir.appendingPathComponent("cache/tmp")).isEmpty)
    }

    @Test func interruptedRunLeavesNoEntry() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // While the file `hang` exists the stage writes part of its output and hangs until unclip-cache is killed
        // (TERM, then KILL); without it, the same command prints "whole" and ends.
        let stage =
            "bash -c 'if [ -e hang ]; then printf partial; echo $$ > stage.pid; exec sleep 30; fi; printf whole'"
        let script = """
            alive() { s=$(ps -o stat= -p $1); [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }  # running, not a zombie
            interrupt() {
                rm -f stage.pid
                unclip-cache --dir cache -- \(stage) < /dev/null > out &
                pid=$!
                for i in $(seq 300); do [ -s stage.pid ] && break; sleep 0.1; done
                echo "writers: $(ls cache/tmp | wc -l)"
                kill -$1 $pid
                wait $pid
                echo "status: $?"
                stage=$(cat stage.pid)
                for i in $(seq 30); do alive $stage || break; sleep 0.1; done
                alive $stage && { echo "stage still running"; kill $stage; }
                echo "left: $(ls cache/tmp | wc -l) entries: $(ls cache/entries | wc -l)"
            }
            touch hang
            interrupt TERM
            interrupt KILL
            rm hang
            unclip-cache --dir cache -- \(stage) < /dev/null > rerun.out
            echo "rerun: $(cat rerun.out)"
            unclip-cache --dir cache clear
            echo "after clear: $(ls cache/tmp | wc -l)"
            """
        let r = try Shell.run(script, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        // TERM: the handler passes the signal on and removes the unfinished entry. KILL: its folder stays in
        // tmp/, but it is no entry: the same command runs the stage again, and `clear` removes the leftovers.
        #expect(
            lines == [
                "writers: 1", "status: 143", "left: 0 entries: 0",
                "writers: 1", "status: 137", "stage still running", "left: 1 entries: 0",
                "rerun: whole", "after clear: 0",
            ], "\(lines) \(r.stderr)")
        #expect(!r.stderr.contains("replaying"), "\(r.stderr)")
        #expect(r.stderr.contains("removed 1 entries"), "only the rerun's entry was stored: \(r.stderr)")
    }

    @Test func concurrentWritersOfOneKeyLeaveOneWholeEntry() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Four runs of the same command at once: all miss, all run the stage, one stores it, all print it.
        let r = try Shell.run(
            "printf 'input\\n' > in.bin; for i in 1 2 3 4; do"
                + " unclip-cache -q --dir cache -- bash -c 'cat; sleep 0.5; echo done' < in.bin > out$i & done;"
                + " fail=0; for job in $(jobs -p); do wait $job || fail=1; done; exit $fail",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for i in 1...4 { #expect(try Self.text("out\(i)", in: dir) == "input\ndone\n", "out\(i)") }
        let list = try Shell.run("unclip-cache --dir cache list", in: dir)
        #expect(String(decoding: list.stdout, as: UTF8.self).split(separator: "\n").count == 1, "\(list.stdout)")
        #expect(Self.contents(dir.appendingPathComponent("cache/tmp")).isEmpty, "the losers removed their copies")
        let replay = try Shell.run("unclip-cache --dir cache -- bash -c 'cat; sleep 0.5; echo done' < in.bin", in: dir)
        #expect(replay.stdout == Data("input\ndone\n".utf8) && replay.stderr.contains("replaying bash"))
    }

    @Test func cachedStageIsByteIdenticalToUncached() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try UNetStageTests.write([UNetStageTests.embedFrame(batch: 2)], to: dir.appendingPathComponent("in.st"))
        let m = UNetStageTests.model
        let decode = "unclip-decode --model '\(m)' --steps 2 --seed 3"
        let r = try Shell.run(
            "\(decode) < in.st > plain.st"
                + " && unclip-cache --dir cache -- \(decode) < in.st > first.st"
                + " && cat in.st | unclip-cache --dir cache -- \(decode) > second.st"
                + " && unclip-cache --dir cache -- unclip-decode --model '\(m)' --steps 2 --seed 4 < in.st > seed4.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let plain = try Data(contentsOf: dir.appendingPathComponent("plain.st"))
        #expect(!plain.isEmpty)
        #expect(try Data(contentsOf: dir.appendingPathComponent("first.st")) == plain)
        #expect(try Data(contentsOf: dir.appendingPathComponent("second.st")) == plain)
        #expect(try Data(contentsOf: dir.appendingPathComponent("seed4.st")) != plain, "another seed is another key")
        #expect(r.stderr.components(separatedBy: "replaying unclip-decode").count == 2, "\(r.stderr)")
    }

    @Test func variationsWithCacheReplaysInversionDecoderAndUpsampler() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PipelineTests.images(in: dir)
        let job =
            PipelineTests.environment
            + "export XDG_CACHE_HOME='\(dir.path)/xdg'; '\(PipelineTests.pipelines)/variations.sh'"
            + " --samples 2 --size 64 --steps 3 --upsample-steps 2 --eta 0.5 img-0.png"
        let r = try Shell.run(
            job + " -o 'plain-%n.png' && " + job + " --cache -o 'stored-%n.png' && " + job
                + " --cache -o 'replayed-%n.png'",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for n in 0..<2 {
            let plain = try Data(contentsOf: dir.appendingPathComponent("plain-\(n).png"))
            for prefix in ["stored", "replayed"] {
                #expect(
                    try Data(contentsOf: dir.appendingPathComponent("\(prefix)-\(n).png")) == plain, "\(prefix)-\(n)")
            }
        }
        // Replayed on the third run: the inversion, both decodes (one per seed) and the upsampler.
        for (stage, count) in [("unclip-invert", 1), ("unclip-decode", 2), ("unclip-upsample", 1)] {
            #expect(r.stderr.components(separatedBy: "replaying \(stage) ").count - 1 == count, "\(stage): \(r.stderr)")
        }
    }

    @Test func interpolationTextDiffAndInpaintingWithCacheReplayTheirStages() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PipelineTests.images(in: dir)
        let env = PipelineTests.environment + "export XDG_CACHE_HOME='\(dir.path)/xdg'; "
        let jobs = [
            ("interpolate", "'\(PipelineTests.pipelines)/interpolate.sh' --frames 3 --steps 3 img-0.png img-1.png"),
            (
                "text-diff",
                "'\(PipelineTests.pipelines)/text-diff.sh' --angles 0,1 --steps 3 --size 64 --upsample-steps 2"
                    + " img-1.png 'a cat'"
            ),
            (
                "inpaint",
                "'\(PipelineTests.pipelines)/inpaint.sh' --size 64 --steps 3 --upsample-steps 2 img-0.png 2,2,4,4 ''"
            ),
        ]
        for (name, job) in jobs {
            let r = try Shell.run(
                env + job + " -o plain.png && " + env + job + " --cache -o stored.png && " + env + job
                    + " --cache -o replayed.png",
                in: dir)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let plain = try Data(contentsOf: dir.appendingPathComponent("plain.png"))
            #expect(try Data(contentsOf: dir.appendingPathComponent("stored.png")) == plain, "\(name)")
            #expect(try Data(contentsOf: dir.appendingPathComponent("replayed.png")) == plain, "\(name)")
            // The third run replays the heavy stages: the inversion and decoder, or the inpainting; the upsampler.
            let replayed =
                name == "inpaint"
                ? ["unclip-inpaint", "unclip-upsample"]
                : ["unclip-invert", "unclip-decode"] + (name == "text-diff" ? ["unclip-upsample"] : [])
            for stage in replayed {
                #expect(r.stderr.contains("replaying \(stage) "), "\(name), \(stage): \(r.stderr)")
            }
        }
    }

    @Test func usageAndRuntimeErrorsAreOneLine() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, Int32, String)] = [
            ("unclip-cache --dir cache -- < /dev/null", 64, "give the STAGE"),
            ("unclip-cache < /dev/null", 64, "give -- STAGE"),
            ("unclip-cache --bogus -- cat < /dev/null", 64, "--bogus"),
            ("unclip-cache --dir cache -- no-such-stage < /dev/null", 1, "no executable 'no-such-stage'"),
            ("unclip-cache --dir cache clear --older-than soon", 64, "--older-than"),
            ("unclip-cache --dir cache purge", 64, "unknown command 'purge'"),
        ]
        for (script, status, words) in cases {
            let r = try Shell.run(script, in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            #expect(r.stderr.hasPrefix("unclip-cache") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(words), "\(script): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}
