/// Class-name lists for zero-shot classification and the linear probe: from `--classes a,b,c` or a file with
/// one name per line.
public enum ClassNames {
    /// Names from a comma-separated list (`cat,dog,red car`); surrounding spaces are trimmed.
    public static func parse(list: String) throws -> [String] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { trim($0) }
        try validate(names)
        return names
    }

    /// Names from a file's text, one per line; blank lines and lines starting with `#` are skipped.
    public static func parse(fileText text: String, name: String) throws -> [String] {
        let names = text.split(whereSeparator: \.isNewline).map { trim($0) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !names.isEmpty else { throw CLIPError.badInput("\(name) holds no class names") }
        try validate(names)
        return names
    }

    /// Throws unless there is at least one name, none is empty and none repeats.
    public static func validate(_ names: [String]) throws {
        guard !names.isEmpty else { throw CLIPError.badInput("no class names") }
        if let i = names.firstIndex(where: \.isEmpty) { throw CLIPError.badInput("class name \(i + 1) is empty") }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw CLIPError.badInput("class name '\(name)' is given twice")
        }
    }

    static func trim(_ s: Substring) -> String {
        var t = s
        while let c = t.first, c == " " || c == "\t" { t.removeFirst() }
        while let c = t.last, c == " " || c == "\t" { t.removeLast() }
        return String(t)
    }
}
