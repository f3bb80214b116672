import Foundation

/// A prompt-template ensemble for zero-shot classification: sentences with `{}` where the class name goes
/// (`"a photo of a {}."`). Each class is embedded once per template and the embeddings are averaged.
public struct PromptTemplates: Sendable, Equatable {
    /// Where the templates came from (`cifar`, `imagenet`, or a file path), for messages.
    public let name: String
    /// The templates, each holding `{}` at least once.
    public let templates: [String]

    /// A set of templates; each must contain `{}` (the class-name slot).
    public init(name: String, templates: [String]) {
        self.name = name
        self.templates = templates
    }

    /// Templates from the text of a file: one per line; blank lines and lines starting with `#` are skipped.
    /// Every other line must contain `{}`; the error names the line.
    public init(name: String, fileText text: String) throws {
        var templates: [String] = []
        // Split on Character.isNewline: "\r\n" is one Character in Swift, so splitting on "\n" would miss it.
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard line.contains("{}") else {
                throw CLIPError.badInput(
                    "\(name) line \(number + 1): template '\(line)' has no '{}' for the class name")
            }
            templates.append(line)
        }
        guard !templates.isEmpty else { throw CLIPError.badInput("\(name) holds no templates") }
        self.init(name: name, templates: templates)
    }

    /// The built-in sets by name (`cifar`, `imagenet`), or nil.
    public static func builtIn(_ name: String) -> PromptTemplates? {
        switch name {
        case "cifar": return .cifar
        case "imagenet": return .imagenet
        default: return nil
        }
    }

    /// Every template with `{}` replaced by `className`, in template order.
    public func prompts(for className: String) -> [String] {
        templates.map { $0.replacingOccurrences(of: "{}", with: className) }
    }
}
