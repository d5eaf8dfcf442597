import Foundation
import PostgresNIO

/// Many rows in one bind: the rows as a JSON array, opened on the server by `jsonb_to_recordset`.
///
/// A batch is one transaction of a few statements whatever its size, instead of a statement (a network
/// round trip) per message. JSON rather than `unnest` of arrays because PostgresNIO cannot bind an
/// array with NULL elements, and most columns here are nullable: a key the encoder leaves out is a
/// NULL column. `bytea` travels as base64 (JSONEncoder's default for `Data`) and is decoded in SQL.
struct Recordset {
    /// Column name and SQL type, in the order of the `AS r(...)` list.
    let columns: [(name: String, type: String)]

    /// `jsonb_to_recordset($n::jsonb) AS alias(col type, ...)`, with `$n` the placeholder of the bind.
    func from(_ placeholder: String, as alias: String = "r") -> String {
        let list = columns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        return "jsonb_to_recordset(\(placeholder)::jsonb) AS \(alias)(\(list))"
    }

    /// The rows as one bind value.
    static func encode<Row: Encodable>(_ rows: [Row]) throws -> String {
        String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        return encoder
    }()
}
