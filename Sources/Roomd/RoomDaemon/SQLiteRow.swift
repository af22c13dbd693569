import CSQLite

/// The row a statement is on while `query` steps it: read in place, so valid only inside its closure.
struct SQLiteRow {
    let statement: OpaquePointer

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
}
