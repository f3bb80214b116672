import CLIP
import Foundation
import StageKit
import TensorStream

/// The options of `unclip-classify` that need more than a lookup, and its frame loop.
enum ClassifyOptions {
    /// `--classes a,b,c` or `--classes-file FILE` (exactly one).
    static func classNames(_ args: Arguments) throws -> [String] {
        switch (args.string("classes"), args.string("classes-file")) {
        case (nil, nil): throw UsageError("give the class names with --classes A,B,... or --classes-file FILE")
        case (.some, .some): throw UsageError("give --classes or --classes-file, not both")
        case let (list?, nil):
            do { return try ClassNames.parse(list: list) } catch { throw UsageError("option --classes: \(error)") }
        case let (nil, path?):
            return try ClassNames.parse(fileText: try text(of: path), name: path)
        }
    }

    /// `--templates cifar|imagenet|FILE`.
    static func templates(_ args: Arguments) throws -> PromptTemplates {
        let value = args.string("templates") ?? "imagenet"
        if let builtIn = PromptTemplates.builtIn(value) { return builtIn }
        guard FileManager.default.fileExists(atPath: value) else {
            throw UsageError("option --templates: '\(value)' is neither cifar, imagenet nor an existing file")
        }
        return try PromptTemplates(name: value, fileText: try text(of: value))
    }

    /// `--scale S|model`.
    static func scale(_ args: Arguments, towers: CLIPTowerCache) throws -> Double {
        let value = args.string("scale") ?? "100"
        if value == "model" { return try towers.logitScale() }
        guard let s = Double(value), s.isFinite, s > 0 else {
            throw UsageError("option --scale: '\(value)' is neither a positive number nor 'model'")
        }
        return s
    }

    /// A UTF-8 text file.
    static func text(of path: String) throws -> String {
        guard let text = String(bytes: try readFile(path, limit: 1 << 26), encoding: .utf8) else {
            throw StageError("'\(path)' is not UTF-8 text")
        }
        return text
    }

    /// The frame loop: `classify` each frame and write it with the results (frames), or print the table (text,
    /// tsv).
    static func run(
        _ stage: StageContext, input: String?, format: String, top: Int, model: ModelStamp?,
        classify: (inout Frame) throws -> Classification
    ) throws {
        var reader = try stage.openInput(input)
        let writer = format == "frames" ? try stage.openOutput() : nil
        var index = 0
        while var frame = try reader.next() {
            do {
                let result = try classify(&frame)
                if let writer {
                    try result.store(in: &frame)
                    stage.stamp(&frame, model: model)
                    try writer.write(frame)
                } else {
                    let names = ClassificationTable.itemNames(frame, count: result.count, frameIndex: index)
                    writeText(
                        format == "tsv"
                            ? ClassificationTable.renderTabSeparated(result, names: names, top: top)
                            : ClassificationTable.render(result, names: names, top: top))
                }
            } catch let error as CLIPError {
                throw StageError("frame \(index): \(error)")
            }
            index += 1
        }
    }
}
