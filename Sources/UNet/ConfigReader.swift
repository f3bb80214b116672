import Foundation

/// Typed, defaulted reads from a diffusers `config.json` object. A key that is absent or `null` takes the
/// default (diffusers' constructor default); a key holding the wrong kind of value is an error naming it.
struct ConfigReader {
    let values: [String: Any]

    init(values: [String: Any]) { self.values = values }

    /// Parses JSON bytes that must hold an object.
    init(data: Data) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw UNetError.invalidConfig(key: "", reason: "not JSON: \(error.localizedDescription)")
        }
        guard let dict = object as? [String: Any] else {
            throw UNetError.invalidConfig(key: "", reason: "not a JSON object")
        }
        values = dict
    }

    /// The value of `key`, or nil when it is absent or `null`.
    func raw(_ key: String) -> Any? {
        guard let v = values[key], !(v is NSNull) else { return nil }
        return v
    }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = raw(key) else {
            if let value { return value }
            throw UNetError.invalidConfig(key: key, reason: "required")
        }
        return try Self.integer(v, key: key)
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let v = raw(key) else { return nil }
        return try Self.integer(v, key: key)
    }

    func float(_ key: String, default value: Float) throws -> Float {
        guard let v = raw(key) else { return value }
        guard let n = v as? NSNumber, n.doubleValue.isFinite else {
            throw UNetError.invalidConfig(key: key, reason: "expected a number")
        }
        return n.floatValue
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = raw(key) else { return value }
        guard let b = v as? Bool else { throw UNetError.invalidConfig(key: key, reason: "expected true or false") }
        return b
    }

    func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v as? String else { throw UNetError.invalidConfig(key: key, reason: "expected a string") }
        return s
    }

    func strings(_ key: String, default value: [String]? = nil) throws -> [String] {
        guard let v = raw(key) else {
            if let value { return value }
            throw UNetError.invalidConfig(key: key, reason: "required")
        }
        guard let list = v as? [Any], let strings = list as? [String] else {
            throw UNetError.invalidConfig(key: key, reason: "expected a list of strings")
        }
        return strings
    }

    /// A list of positive integers (`block_out_channels`).
    func ints(_ key: String, default value: [Int]? = nil) throws -> [Int] {
        guard let v = raw(key) else {
            if let value { return value }
            throw UNetError.invalidConfig(key: key, reason: "required")
        }
        guard let list = v as? [Any] else { throw UNetError.invalidConfig(key: key, reason: "expected a list") }
        return try list.map { try Self.integer($0, key: key) }
    }

    /// An integer or a list of `count` integers (diffusers accepts both for per-level settings).
    func perLevelInts(_ key: String, count: Int, default value: Int?) throws -> [Int] {
        guard let v = raw(key) else {
            guard let value else { throw UNetError.invalidConfig(key: key, reason: "required") }
            return Array(repeating: value, count: count)
        }
        if let list = v as? [Any] {
            guard list.count == count else {
                throw UNetError.invalidConfig(key: key, reason: "expected \(count) entries, found \(list.count)")
            }
            return try list.map { try Self.integer($0, key: key) }
        }
        return Array(repeating: try Self.integer(v, key: key), count: count)
    }

    /// A boolean or a list of `count` booleans.
    func perLevelBools(_ key: String, count: Int, default value: Bool) throws -> [Bool] {
        guard let v = raw(key) else { return Array(repeating: value, count: count) }
        if let b = v as? Bool { return Array(repeating: b, count: count) }
        guard let list = v as? [Any], let bools = list as? [Bool], bools.count == count else {
            throw UNetError.invalidConfig(key: key, reason: "expected true, false or a list of \(count) of them")
        }
        return bools
    }

    private static func integer(_ v: Any, key: String) throws -> Int {
        guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else {
            throw UNetError.invalidConfig(key: key, reason: "expected an integer")
        }
        return i
    }
}
