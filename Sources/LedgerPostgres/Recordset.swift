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

/// A statement run for every batch, whose text never changes: prepared once per connection.
protocol WriterStatement {
    static var sql: String { get }
}

/// A ``WriterStatement`` with this run's binds. Unnamed statements are parsed and planned anew each
/// time, about a millisecond per statement here, several statements per batch: most of what the
/// server spent per message before these were prepared (Benchmarks/README.md, "PostgreSQL").
struct Prepared<Statement: WriterStatement>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { "smsledger_" + String(describing: Statement.self) }
    static var sql: String { Statement.sql }

    let bindings: PostgresBindings

    init(bindings: PostgresBindings) { self.bindings = bindings }

    /// One recordset bind, the usual shape.
    init(_ statement: Statement.Type, _ json: String) {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(json)
        self.bindings = bindings
    }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
