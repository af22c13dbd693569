import CSQLite

/// A prepared statement, reset after every use so it can be reused on the hot path.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let database: SQLiteDatabase

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    enum Value {
        case text(String?)
        case integer(Int64)
    }

    /// Runs a statement that returns no rows.
    func run(_ values: Value...) throws(SQLiteError) {
        try bind(values)
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw database.error(code) }
    }

    /// Runs a query and hands each row to `row`.
    func query(_ values: [Value], row: (SQLiteRow) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(statement) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw database.error(code) }
            try row(SQLiteRow(statement: statement))
        }
    }

    private func bind(_ values: [Value]) throws(SQLiteError) {
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(nil):
                code = sqlite3_bind_null(statement, index)
            case .text(let text?):
                code = Self.bindText(text, to: statement, at: index)
            case .integer(let number):
                code = sqlite3_bind_int64(statement, index, number)
            }
            guard code == SQLITE_OK else { throw database.error(code) }
        }
    }
}

extension SQLiteStatement {
    /// Binds the string's UTF-8 bytes in place, with their length: passing a `String` as a C string would
    /// first copy it into a NUL-terminated array, which showed in roomd's profile of pipelined calls.
    fileprivate static func bindText(_ text: String, to statement: OpaquePointer, at index: Int32) -> Int32 {
        // SQLITE_TRANSIENT: SQLite copies the bytes, the Swift string may go away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        var text = text
        return text.withUTF8 { bytes in
            // A zero-length buffer may have no address, and a NULL pointer would bind SQL NULL, not "".
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_text(statement, index, "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient)
            }
        }
    }
}
