import Foundation
import Testing

/// `pipelines/classify.sh` and `pipelines/rank.sh` (and `bin/unclip classify|rank FOLDER ...`) on a folder of
/// single-object `unclip-shapes` test scenes, with the embedded CLIP (pipelines/models/clip). Checked before
/// writing these assertions: that CLIP names the colour of all six scenes (seeds 0–5 of the test split: grey,
/// cyan, red, white, orange, grey) and ranks the red cross first for "a red cross".
@Suite struct FolderJobsTests {
    static let clip = Shell.packageRoot.appendingPathComponent("pipelines/models/clip").path
    static let pipelines = Shell.packageRoot.appendingPathComponent("pipelines").path
    static let front = Shell.packageRoot.appendingPathComponent("bin/unclip").path
    static let environment = "export UNCLIP_BIN='\(Shell.binDirectory.path)' UNCLIP_CLIP='\(clip)'; "
    static let colours = [
        "red", "green", "blue", "yellow", "purple", "orange", "pink", "brown", "black", "white",
        "grey", "cyan",
    ]

    /// Six single-object test scenes as `img/000000.png` ... with `img/captions.tsv`; returns each file's object
    /// colour from the scene attributes.
    static func scenes(in dir: URL) throws -> [String: String] {
        let r = try Shell.run("unclip-shapes --count 6 --objects 1 --split test --out img", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let tsv = try String(contentsOf: dir.appendingPathComponent("img/captions.tsv"), encoding: .utf8)
        var colours: [String: String] = [:]
        for line in tsv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", maxSplits: 2).map(String.init)
            guard fields.count == 3,
                let attributes = try JSONSerialization.jsonObject(with: Data(fields[2].utf8)) as? [String: Any],
                let objects = attributes["objects"] as? [[String: Any]], let colour = objects.first?["color"] as? String
            else { continue }
            colours["img/" + fields[0]] = colour
        }
        #expect(colours.count == 6)
        return colours
    }

    static func lines(_ r: Shell.Result) -> [[String]] {
        String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func classifyPrintsFileLabelProbabilityLines() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try Self.scenes(in: dir)
        let labels = Self.colours.map { "'\($0)'" }.joined(separator: " ")
        let r = try Shell.run(Self.environment + "'\(Self.pipelines)/classify.sh' img \(labels)", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = Self.lines(r)
        #expect(rows.map { $0.first ?? "" } == truth.keys.sorted(), "one line per image, in name order")
        for row in rows {
            #expect(row.count == 3, "\(row)")
            guard row.count == 3 else { continue }
            #expect(row[1] == truth[row[0]], "\(row[0]): \(row[1]), the scene's object is \(truth[row[0]] ?? "?")")
            let p = Double(row[2]) ?? -1
            #expect(p > 1.0 / 12 && p <= 1 && row[2].count == 6, "a probability with four decimals: \(row[2])")
        }

        // --top 3 through the front door: three lines per image, most probable first.
        let top = try Shell.run(Self.environment + "'\(Self.front)' classify img --top 3 \(labels)", in: dir)
        #expect(top.status == 0, "\(top.stderr)")
        let topRows = Self.lines(top)
        #expect(topRows.count == 18)
        for i in stride(from: 0, to: topRows.count - 2, by: 3) {
            let p = topRows[i..<(i + 3)].map { Double($0.last ?? "") ?? -1 }
            #expect(Set(topRows[i..<(i + 3)].map { $0.first ?? "" }).count == 1 && p[0] >= p[1] && p[1] >= p[2])
            #expect(topRows[i] == rows[i / 3], "the first of the three is the --top 1 line")
        }
    }

    @Test func rankPrintsFilesBestFirst() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try Self.scenes(in: dir)
        let r = try Shell.run(Self.environment + "'\(Self.pipelines)/rank.sh' img 'a red cross'", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = Self.lines(r)
        #expect(Set(rows.map { $0.first ?? "" }) == Set(truth.keys), "every image once")
        let scores = rows.map { Double($0.last ?? "") ?? -2 }
        #expect(rows.allSatisfy { $0.count == 2 } && scores.allSatisfy { (-1...1).contains($0) })
        #expect(scores == scores.sorted(by: >), "best first: \(scores)")
        #expect(rows.first?.first.flatMap { truth[$0] } == "red", "the red cross ranks first: \(rows)")

        let best = try Shell.run(Self.environment + "'\(Self.front)' rank img 'a red cross' --top 2", in: dir)
        #expect(best.status == 0, "\(best.stderr)")
        #expect(Self.lines(best) == Array(rows.prefix(2)))
    }

    @Test func badFoldersAndMissingOperandsAreOneLineErrors() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let cases: [(String, Int32, String)] = [
            ("classify.sh empty red blue", 1, "classify: no PNG or JPEG files in 'empty'"),
            ("classify.sh nowhere red", 1, "classify: 'nowhere' is not a folder"),
            ("classify.sh empty", 64, "classify: give a FOLDER and at least one LABEL"),
            ("classify.sh --top 0 empty red", 64, "--top"),
            ("rank.sh empty 'a cat'", 1, "rank: no PNG or JPEG files in 'empty'"),
            ("rank.sh empty", 64, "rank: give a FOLDER and one PROMPT"),
            ("rank.sh --clip nowhere empty 'a cat'", 1, "rank: missing model folder(s): nowhere"),
        ]
        for (script, status, words) in cases {
            let r = try Shell.run(Self.environment + "'\(Self.pipelines)/'" + script, in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            #expect(r.stderr.contains(words), "\(script): \(r.stderr)")
            if status == 1 { #expect(r.stderr.split(separator: "\n").count == 1, "\(script): \(r.stderr)") }
            #expect(r.stdout.isEmpty)
        }
    }
}
