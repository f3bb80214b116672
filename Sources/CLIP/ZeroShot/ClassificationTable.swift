import Foundation
import TensorStream

/// The human-readable form of a classification (`--format text`): one line per item, its name (the `files` or
/// `prompt` entry, else `frame F item I`) followed by the top classes with their probabilities in percent:
///
///     cat.png   cat 97.10%   dog 2.35%   car 0.55%
public enum ClassificationTable {
    /// The lines for one frame's items, names padded to a common width.
    public static func render(_ result: Classification, names: [String], top: Int) -> String {
        let width = names.map(\.count).max() ?? 0
        var text = ""
        for i in 0..<result.count {
            let name = i < names.count ? names[i] : "item \(i)"
            var line = name + String(repeating: " ", count: width - name.count)
            for (className, p) in result.top(top, of: i) {
                line += "   \(className) \(percent(p))"
            }
            text += line + "\n"
        }
        return text
    }

    /// The tab-separated form (`--format tsv`): one line `name<TAB>class<TAB>probability` for each of the `top`
    /// classes of every item, best first, the probability in [0, 1] with four decimals. Names lose any tab or
    /// newline (replaced by a space) so that every line has exactly three fields.
    public static func renderTabSeparated(_ result: Classification, names: [String], top: Int) -> String {
        var text = ""
        for i in 0..<result.count {
            let name = field(i < names.count ? names[i] : "item \(i)")
            for (className, p) in result.top(top, of: i) {
                text += "\(name)\t\(field(className))\t\(decimal(p))\n"
            }
        }
        return text
    }

    /// `text` without tabs or line breaks, for one field of a tab-separated line.
    public static func field(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    /// `v` with four decimals (`0.9710`, `-0.0312`).
    public static func decimal(_ v: Double) -> String { String(format: "%.4f", v) }

    /// The row names of a frame: metadata `files`, else `prompt`, when it has one entry per item; else
    /// `frame F item I`.
    public static func itemNames(_ frame: Frame, count: Int, frameIndex: Int) -> [String] {
        for key in ["files", "prompt"] {
            if let list = try? frame.metadataList(key), list.count == count { return list }
        }
        return (0..<count).map { "frame \(frameIndex) item \($0)" }
    }

    /// `p` as a percentage with two decimals (`97.10%`).
    static func percent(_ p: Double) -> String {
        let hundredths = Int((p * 10000).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }
}
