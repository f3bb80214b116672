import CLIP
import Foundation
import TensorStream
import Testing

/// `unclip-classify`, `unclip-rank` and `unclip-probe` through real pipes, on the random-weight fixture model hf-a
/// with a tiny merges-only tokenizer, and corpus images.
@Suite struct ZeroShotStageTests {
    static let fixture = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/clip/models/hf-a")
    static let images = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/images/png")

    /// A scratch folder with `model/` (the fixture's config and weights plus a merges.txt) and `img/` holding
    /// corpus images under class folders: `img/colour/rgb8_*.png`, `img/grey/grey8_*.png` (3 each).
    func scratch() throws -> URL {
        let dir = try Shell.temporaryDirectory()
        let fm = FileManager.default
        let m = dir.appendingPathComponent("model")
        try fm.createDirectory(at: m, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try fm.createSymbolicLink(
                at: m.appendingPathComponent(name), withDestinationURL: Self.fixture.appendingPathComponent(name))
        }
        try Data("#version: 0.2\nt h\nth e</w>\nc o\nco r\ncor g\ncorg i</w>\n".utf8)
            .write(to: m.appendingPathComponent("merges.txt"))
        let files = try fm.contentsOfDirectory(atPath: Self.images.path).sorted()
        for (folder, prefix) in [("colour", "rgb8_"), ("grey", "grey8_")] {
            let f = dir.appendingPathComponent("img/\(folder)")
            try fm.createDirectory(at: f, withIntermediateDirectories: true)
            for name in files.filter({ $0.hasPrefix(prefix) && !$0.contains("adam7") }).prefix(3) {
                try fm.createSymbolicLink(
                    at: f.appendingPathComponent(name), withDestinationURL: Self.images.appendingPathComponent(name))
            }
        }
        return dir
    }

    @Test func classifyWritesProbabilitiesLabelsAndClassNames() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Shell.run(
            "unclip-png --size 32 img/*/*.png | unclip-classify --model model --classes cat,dog,'red car' > out.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let frame = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        let scores = try frame.tensor("scores")
        #expect(scores.shape == [6, 3] && scores.dtype == .f32)
        let p = try scores.floats()
        for i in 0..<6 { #expect(abs(p[(3 * i)..<(3 * i + 3)].reduce(0, +) - 1) < 1e-5) }
        let labels = try frame.tensor("labels").int32s()
        for i in 0..<6 {
            let row = Array(p[(3 * i)..<(3 * i + 3)])
            #expect(Int(labels[i]) == row.firstIndex(of: row.max() ?? 0))
        }
        #expect(try frame.metadataList("labels") == ["cat", "dog", "red car"])
        #expect(try frame.tensor("image").shape == [6, 3, 32, 32])  // passed through
        #expect(frame.metadata["provenance"]?.contains("unclip-classify 0.1.0 model=model") == true)

        // The same scores from precomputed image.embed (unclip-image upstream).
        let viaEmbed = try Shell.run(
            "unclip-png --size 32 img/*/*.png | unclip-image --model model "
                + "| unclip-classify --model model --classes cat,dog,'red car' > embed.st", in: dir)
        #expect(viaEmbed.status == 0, "\(viaEmbed.stderr)")
        let other = try Frame(contentsOf: dir.appendingPathComponent("embed.st").path)
        #expect(other["scores"] == frame["scores"])

        // And the library's numbers: the 80-template ensemble at scale 100 on the same embeddings.
        let towers = CLIPTowerCache(folder: dir.appendingPathComponent("model").path)
        let classifier = try ZeroShotClassifier(
            classNames: ["cat", "dog", "red car"], templates: .imagenet, scale: 100, embed: towers.embed)
        let expected = try classifier.classify(FeatureRows(other.tensor("image.embed"), name: "image.embed"))
        for (a, b) in zip(p, expected.probabilities) { #expect(abs(Double(a) - b) < 1e-5) }

        // --scale model: exp(logit_scale) of the checkpoint.
        let scaled = try Shell.run(
            "unclip-classify --model model --classes cat,dog,'red car' --scale model embed.st > scaled.st", in: dir)
        #expect(scaled.status == 0, "\(scaled.stderr)")
        let soft = try Frame(contentsOf: dir.appendingPathComponent("scaled.st").path).tensor("scores").floats()
        let scale = try towers.logitScale()
        let weights = try Frame(
            contentsOf: Self.fixture.appendingPathComponent("model.safetensors").path, acceptingForeignFormats: true)
        #expect(try abs(scale - exp(Double(weights.tensor("logit_scale").floats()[0]))) < 1e-9)
        let logits = try ZeroShotClassifier(
            classNames: classifier.classNames, classEmbeddings: classifier.classEmbeddings, scale: scale
        ).classify(FeatureRows(other.tensor("image.embed"), name: "image.embed"))
        for (a, b) in zip(soft, logits.probabilities) { #expect(abs(Double(a) - b) < 1e-5) }
    }

    @Test func classifyPrintsATable() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("a {} here\nthe {}\n".utf8).write(to: dir.appendingPathComponent("mine.txt"))
        try Data("cat\ndog\n".utf8).write(to: dir.appendingPathComponent("classes.txt"))
        let r = try Shell.run(
            "unclip-png --size 32 img/colour/*.png | unclip-classify --model model --classes-file classes.txt "
                + "--templates mine.txt --format text --top 2", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            #expect(line.hasPrefix("img/colour/rgb8_") && line.contains("cat ") && line.contains("dog "), "\(line)")
            #expect(line.filter { $0 == "%" }.count == 2)
        }
        #expect(r.stderr.contains("2 classes x 2 templates (mine.txt)"))
    }

    @Test func classifyRefusesBadInputs() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("a photo\n".utf8).write(to: dir.appendingPathComponent("bad.txt"))
        _ = try Shell.run("unclip-png --size 32 img/grey/*.png > img.st", in: dir)
        let cases: [(String, Int32, String)] = [
            ("unclip-classify --model model img.st", 64, "--classes"),
            ("unclip-classify --model model --classes cat,cat img.st", 64, "given twice"),
            ("unclip-classify --classes cat img.st", 64, "--model"),
            ("unclip-classify --model model --classes cat --templates nowhere.txt img.st", 64, "nowhere.txt"),
            ("unclip-classify --model model --classes cat --templates bad.txt img.st", 1, "has no '{}'"),
            ("unclip-classify --model model --classes cat --scale -1 img.st", 64, "--scale"),
            ("unclip-classify --model model --classes cat --probe p.st img.st", 64, "--probe"),
            (
                "unclip-text --model model 'a cat' | unclip-classify --model model --classes cat", 1,
                "frame 0: no 'image.embed' or 'image' tensor"
            ),
            ("head -c 100 img.st | unclip-classify --model model --classes cat", 1, "stdin"),
        ]
        for (script, status, message) in cases {
            let quiet = script.replacingOccurrences(of: "unclip-classify ", with: "unclip-classify -q ")
            let r = try Shell.run(quiet + " > out.st", in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            #expect(r.stderr.contains("unclip-classify: ") && r.stderr.contains(message), "\(script): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(script): \(r.stderr)")
        }
    }

    @Test func rankKeepsTheBestImagePerPrompt() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Four images, two per prompt, as --samples-per-prompt 2 lays them out.
        let r0 = try Shell.run("unclip-png --size 32 img/*/*.png | unclip-image --model model > img.st", in: dir)
        #expect(r0.status == 0, "\(r0.stderr)")
        var frame = try Frame(contentsOf: dir.appendingPathComponent("img.st").path).selectingItems(
            [0, 1, 3, 4], batch: 6)
        frame.setMetadataList(["the corgi", "the corgi", "a cat", "a cat"], for: "prompt")
        try frame.write(to: dir.appendingPathComponent("in.st").path)
        let r = try Shell.run("unclip-rank --model model --keep 1 in.st > out.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(try out.metadataList("prompt") == ["the corgi", "a cat"])
        #expect(try out.tensor("image").shape == [2, 3, 32, 32] && out.tensor("scores").shape == [2])

        // The kept items are the ones the library scores highest.
        let towers = CLIPTowerCache(folder: dir.appendingPathComponent("model").path)
        let texts = try towers.embed(["the corgi", "a cat"])
        let images = try FeatureRows(frame.tensor("image.embed"), name: "image.embed")
        let scores = try Reranker.scores(images: images, texts: texts.rows([0, 0, 1, 1]))
        let kept = Reranker.select(scores: scores, groups: [0..<2, 2..<4], keep: 1)
        let files = try #require(try frame.metadataList("files"))
        #expect(try out.metadataList("files") == kept.map { files[$0] })
        let got = try out.tensor("scores").floats()
        #expect(abs(Double(got[0]) - scores[kept[0]]) < 1e-5 && abs(Double(got[1]) - scores[kept[1]]) < 1e-5)

        let keepAll = try Shell.run("unclip-rank --model model --keep 5 < in.st > all.st", in: dir)
        #expect(keepAll.status == 0, "\(keepAll.stderr)")
        #expect(try Frame(contentsOf: dir.appendingPathComponent("all.st").path).tensor("scores").shape == [4])

        let noModel = try Shell.run("unclip-rank in.st > x.st", in: dir)
        #expect(noModel.status == 1 && noModel.stderr.contains("frame 0: no 'text.embed' tensor; give --model"))
        let badKeep = try Shell.run("unclip-rank --keep 0 in.st > x.st", in: dir)
        #expect(badKeep.status == 64 && badKeep.stderr.hasPrefix("unclip-rank: option --keep"))
    }

    @Test func probeFitsFolderLabelsAndClassifyPredictsWithIt() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = try Shell.run(
            "unclip-png --size 32 img/*/*.png | unclip-probe --model model --l2 0.00001 -o probe.safetensors", in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("training accuracy 6/6"), "\(fit.stderr)")
        let probe = try Frame(contentsOf: dir.appendingPathComponent("probe.safetensors").path)
        #expect(try probe.metadataList("labels") == ["colour", "grey"])
        #expect(try probe.tensor("probe.weight").shape == [2, 32] && probe.tensor("probe.bias").shape == [2])

        let predict = try Shell.run(
            "unclip-png --size 32 img/*/*.png | unclip-image --model model "
                + "| unclip-classify --probe probe.safetensors > out.st", in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(try out.tensor("labels").int32s() == [0, 0, 0, 1, 1, 1])
        #expect(try out.tensor("scores").shape == [6, 2])

        let unlabelled = try Shell.run("unclip-png --size 32 img/*/*.png | unclip-image --model model > e.st", in: dir)
        #expect(unlabelled.status == 0)
        var frame = try Frame(contentsOf: dir.appendingPathComponent("e.st").path)
        frame.metadata["files"] = nil
        try frame.write(to: dir.appendingPathComponent("nolabels.st").path)
        let none = try Shell.run("unclip-probe -o p.st nolabels.st", in: dir)
        #expect(none.status == 1 && none.stderr.contains("frame 0: no labels"), "\(none.stderr)")
        let noOutput = try Shell.run("unclip-probe e.st", in: dir)
        #expect(noOutput.status == 64 && noOutput.stderr.contains("-o FILE"))
        let notProbe = try Shell.run("unclip-classify --probe e.st e.st > x.st", in: dir)
        #expect(notProbe.status == 1 && notProbe.stderr.contains("not a linear probe"), "\(notProbe.stderr)")
    }
}
