//! A small Parquet writer (no arrow): one row group, one uncompressed PLAIN data page per
//! column, optional columns with RLE definition levels; the file metadata in Thrift's
//! compact protocol. Enough for pandas, DuckDB and traffic to read tracks and events.
//!
//! Format facts from the Apache Parquet specification (`parquet.thrift`, Encodings.md).

/// One column's values.
#[derive(Debug, Clone)]
pub enum Values {
    /// DOUBLE.
    F64(Vec<Option<f64>>),
    /// INT32.
    I32(Vec<Option<i32>>),
    /// BYTE_ARRAY annotated UTF8.
    Str(Vec<Option<String>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::F64(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::Str(v) => v.len(),
        }
    }

    fn physical(&self) -> i32 {
        match self {
            Values::F64(_) => 5,
            Values::I32(_) => 1,
            Values::Str(_) => 6,
        }
    }

    fn present(&self, i: usize) -> bool {
        match self {
            Values::F64(v) => v[i].is_some(),
            Values::I32(v) => v[i].is_some(),
            Values::Str(v) => v[i].is_some(),
        }
    }

    fn plain(&self, out: &mut Vec<u8>) {
        match self {
            Values::F64(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::I32(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::Str(v) => v.iter().flatten().for_each(|s| {
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }),
        }
    }
}

/// A named column; `required` columns must have no missing value.
#[derive(Debug, Clone)]
pub struct Column {
    /// Name.
    pub name: &'static str,
    /// Values.
    pub values: Values,
    /// No missing values (REQUIRED); else OPTIONAL with definition levels.
    pub required: bool,
}

/// Thrift compact protocol, the parts Parquet's metadata uses.
struct Thrift {
    out: Vec<u8>,
    last: Vec<i16>,
}

const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_BINARY: u8 = 8;
const T_LIST: u8 = 9;
const T_STRUCT: u8 = 12;

impl Thrift {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn field(&mut self, id: i16, kind: u8) {
        let last = self.last.last().copied().unwrap_or(0);
        let delta = id - last;
        if (1..=15).contains(&delta) {
            self.out.push(((delta as u8) << 4) | kind);
        } else {
            self.out.push(kind);
            self.zigzag(i64::from(id));
        }
        if let Some(l) = self.last.last_mut() {
            *l = id;
        }
    }

    fn begin(&mut self) {
        self.last.push(0);
    }

    fn end(&mut self) {
        self.out.push(0);
        self.last.pop();
    }

    fn i32(&mut self, id: i16, v: i32) {
        self.field(id, T_I32);
        self.zigzag(i64::from(v));
    }

    fn i64(&mut self, id: i16, v: i64) {
        self.field(id, T_I64);
        self.zigzag(v);
    }

    fn string(&mut self, id: i16, s: &str) {
        self.field(id, T_BINARY);
        self.varint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn list(&mut self, id: i16, kind: u8, n: usize) {
        self.field(id, T_LIST);
        if n < 15 {
            self.out.push(((n as u8) << 4) | kind);
        } else {
            self.out.push(0xF0 | kind);
            self.varint(n as u64);
        }
    }

    fn struct_field(&mut self, id: i16) {
        self.field(id, T_STRUCT);
        self.begin();
    }
}

fn thrift() -> Thrift {
    Thrift {
        out: Vec::new(),
        last: Vec::new(),
    }
}

/// Definition levels (bit width 1) in the RLE/bit-packing hybrid: one RLE run per stretch of
/// equal levels.
fn levels(c: &Column, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let v = c.values.present(i);
        let mut j = i;
        while j < n && c.values.present(j) == v {
            j += 1;
        }
        let mut run = ((j - i) as u64) << 1;
        while run >= 0x80 {
            out.push((run as u8) | 0x80);
            run >>= 7;
        }
        out.push(run as u8);
        out.push(u8::from(v));
        i = j;
    }
    out
}

/// The Parquet file of these columns (all of one length).
pub fn write(columns: &[Column]) -> Vec<u8> {
    let rows = columns.first().map_or(0, |c| c.values.len());
    let mut file = b"PAR1".to_vec();
    // (data page offset, page bytes) per column.
    let mut chunks = Vec::new();
    for c in columns {
        assert_eq!(c.values.len(), rows, "column {} has another length", c.name);
        let mut body = Vec::new();
        if !c.required {
            let l = levels(c, rows);
            body.extend_from_slice(&(l.len() as u32).to_le_bytes());
            body.extend_from_slice(&l);
        }
        c.values.plain(&mut body);
        let mut h = thrift();
        h.begin();
        h.i32(1, 0); // DATA_PAGE
        h.i32(2, body.len() as i32);
        h.i32(3, body.len() as i32);
        h.struct_field(5);
        h.i32(1, rows as i32);
        h.i32(2, 0); // PLAIN
        h.i32(3, 3); // RLE
        h.i32(4, 3); // RLE
        h.end();
        h.end();
        let offset = file.len() as i64;
        file.extend_from_slice(&h.out);
        file.extend_from_slice(&body);
        chunks.push((offset, (h.out.len() + body.len()) as i64));
    }
    let mut m = thrift();
    m.begin();
    m.i32(1, 1);
    m.list(2, T_STRUCT, columns.len() + 1);
    // The root.
    m.begin();
    m.string(4, "schema");
    m.i32(5, columns.len() as i32);
    m.end();
    for c in columns {
        m.begin();
        m.i32(1, c.values.physical());
        m.i32(3, if c.required { 0 } else { 1 });
        m.string(4, c.name);
        if matches!(c.values, Values::Str(_)) {
            m.i32(6, 0); // UTF8
        }
        m.end();
    }
    m.i64(3, rows as i64);
    m.list(4, T_STRUCT, 1);
    m.begin();
    m.list(1, T_STRUCT, columns.len());
    for (c, (offset, size)) in columns.iter().zip(&chunks) {
        m.begin();
        m.i64(2, *offset);
        m.struct_field(3);
        m.i32(1, c.values.physical());
        m.list(2, T_I32, 2);
        m.zigzag(0); // PLAIN
        m.zigzag(3); // RLE
        m.list(3, T_BINARY, 1);
        m.varint(c.name.len() as u64);
        m.out.extend_from_slice(c.name.as_bytes());
        m.i32(4, 0); // UNCOMPRESSED
        m.i64(5, rows as i64);
        m.i64(6, *size);
        m.i64(7, *size);
        m.i64(9, *offset);
        m.end();
        m.end();
    }
    m.i64(2, chunks.iter().map(|c| c.1).sum());
    m.i64(3, rows as i64);
    m.end();
    m.string(6, "picket-store");
    m.end();
    file.extend_from_slice(&m.out);
    file.extend_from_slice(&(m.out.len() as u32).to_le_bytes());
    file.extend_from_slice(b"PAR1");
    file
}
