//! The input buffer every reader shares: bytes fed in chunks, the arrival time of each
//! chunk, and splitting into lines for the text formats.

use std::collections::VecDeque;

/// Bytes fed and not yet consumed, with their stream offsets and arrival times.
///
/// The bytes live in `store[..end]`; `store[end..]` is room already allocated and
/// initialised, which a caller can read input into straight ([`Input::spare`], then
/// [`Input::commit`]) instead of reading into a buffer of its own and copying it in.
#[derive(Debug, Default)]
pub(crate) struct Input {
    /// The bytes fed are `store[..end]`.
    pub(crate) store: Vec<u8>,
    /// Bytes fed end here.
    pub(crate) end: usize,
    /// Bytes before this index are consumed.
    pub(crate) pos: usize,
    /// Stream offset of `buf()[0]`.
    base: u64,
    /// (stream offset just past the chunk, its arrival time), oldest first.
    marks: VecDeque<(u64, f64)>,
    last_arrival: f64,
    /// No more input will come.
    pub(crate) eof: bool,
}

impl Input {
    /// The bytes fed (consumed or not) since the last compaction.
    #[inline]
    pub(crate) fn buf(&self) -> &[u8] {
        &self.store[..self.end]
    }

    /// Appends a chunk; `arrival` is recorded for the items that end inside it.
    pub(crate) fn feed(&mut self, chunk: &[u8], arrival: Option<f64>) {
        let n = chunk.len();
        self.spare(n)[..n].copy_from_slice(chunk);
        self.commit(n, arrival);
    }

    /// Room for at least `min` more bytes after those fed (consumed bytes go first: what
    /// stays is at most a partial message or line). Write input into it and
    /// [`Input::commit`] what was written; indices into `buf()` are invalid afterwards.
    pub(crate) fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.pos > 0 {
            self.base += self.pos as u64;
            self.store.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        let want = self.end.saturating_add(min);
        if self.store.len() < want {
            // Zeroed once, when the store grows: later reads reuse the room as it is.
            self.store.resize(want, 0);
        }
        &mut self.store[self.end..]
    }

    /// Takes the first `n` bytes of the room [`Input::spare`] gave as fed (at most as many
    /// as there is room for); `arrival` as for [`Input::feed`]. Returns the bytes taken.
    pub(crate) fn commit(&mut self, n: usize, arrival: Option<f64>) -> usize {
        let n = n.min(self.store.len() - self.end);
        self.end += n;
        if let Some(t) = arrival {
            self.marks.push_back((self.end_offset(), t));
        }
        n
    }

    /// The stored bytes, taken out so they can be read while the input is borrowed
    /// mutably; give them back with [`Input::put_back`].
    pub(crate) fn take_store(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.store)
    }

    /// Gives back what [`Input::take_store`] took.
    pub(crate) fn put_back(&mut self, store: Vec<u8>) {
        self.store = store;
    }

    /// The unconsumed bytes.
    #[inline]
    pub(crate) fn rest(&self) -> &[u8] {
        &self.store[self.pos..self.end]
    }

    /// Stream offset of `buf[i]`.
    #[inline]
    pub(crate) fn offset(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    /// Stream offset just past the last byte fed.
    pub(crate) fn end_offset(&self) -> u64 {
        self.base + self.end as u64
    }

    /// Arrival time of the chunk holding the byte just before stream offset `end` (the time
    /// an item ending there became complete); the latest arrival when none was given.
    #[inline]
    pub(crate) fn arrival_for(&mut self, end: u64) -> f64 {
        while let Some(&(e, t)) = self.marks.front() {
            if e >= end {
                return t;
            }
            self.last_arrival = t;
            self.marks.pop_front();
        }
        self.last_arrival
    }
}

/// What the line splitter found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEvent {
    /// A whole line: `buf[start..end]` without its terminator; `number` is 1-based.
    Line { start: usize, end: usize, number: u64 },
    /// A line longer than the limit; it is dropped.
    TooLong { number: u64 },
}

/// Splits the input into lines ended by LF, CR LF or a lone CR.
#[derive(Debug)]
pub(crate) struct Lines {
    pub(crate) input: Input,
    /// Lines ended so far.
    number: u64,
    /// Offset from `input.pos` up to which no terminator was found.
    scan: usize,
    /// Dropping the rest of a line that was too long.
    discarding: bool,
    max_len: usize,
}

/// UTF-8 byte order mark, stripped from the first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Lines {
    pub(crate) fn new(max_len: usize) -> Lines {
        Lines {
            input: Input::default(),
            number: 0,
            scan: 0,
            discarding: false,
            max_len,
        }
    }

    /// The next line, or `None` when more input is needed (or all is consumed at the end).
    /// The indices stay valid until the next `feed`.
    pub(crate) fn next_line(&mut self) -> Option<LineEvent> {
        loop {
            let rest = self.input.rest();
            let found = memchr::memchr2(b'\n', b'\r', &rest[self.scan..]).map(|i| self.scan + i);
            let (len, term) = match found {
                Some(i) if rest[i] == b'\r' => match rest.get(i + 1) {
                    Some(b'\n') => (i, 2),
                    Some(_) => (i, 1),
                    // A CR at the end may be the first half of CR LF: wait for the next byte.
                    None if !self.input.eof => {
                        self.scan = i;
                        return None;
                    }
                    None => (i, 1),
                },
                Some(i) => (i, 1),
                None => {
                    if rest.len() > self.max_len && !self.discarding {
                        // Report a too-long line once, as soon as it is known, and drop it.
                        self.discarding = true;
                        self.input.pos = self.input.buf().len();
                        self.scan = 0;
                        return Some(LineEvent::TooLong {
                            number: self.number + 1,
                        });
                    }
                    if self.discarding {
                        self.input.pos = self.input.buf().len();
                        self.scan = 0;
                    } else {
                        self.scan = rest.len();
                    }
                    if !self.input.eof || self.input.rest().is_empty() {
                        return None;
                    }
                    // The last line has no terminator.
                    (self.input.rest().len(), 0)
                }
            };
            let start = self.input.pos;
            self.input.pos += len + term;
            self.scan = 0;
            self.number += 1;
            if std::mem::take(&mut self.discarding) {
                continue;
            }
            if len > self.max_len {
                return Some(LineEvent::TooLong { number: self.number });
            }
            let end = start + len;
            let mut start = start;
            if self.number == 1 && self.input.buf()[start..end].starts_with(BOM) {
                start += BOM.len();
            }
            return Some(LineEvent::Line {
                start,
                end,
                number: self.number,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(chunks: &[&[u8]]) -> Vec<String> {
        let mut l = Lines::new(16);
        let mut out = Vec::new();
        let drain = |l: &mut Lines, out: &mut Vec<String>| {
            while let Some(ev) = l.next_line() {
                out.push(match ev {
                    LineEvent::Line { start, end, number } => {
                        format!("{number}:{}", String::from_utf8_lossy(&l.input.buf()[start..end]))
                    }
                    LineEvent::TooLong { number } => format!("{number}:too long"),
                });
            }
        };
        for c in chunks {
            l.input.feed(c, None);
            drain(&mut l, &mut out);
        }
        l.input.eof = true;
        drain(&mut l, &mut out);
        out
    }

    #[test]
    fn splits_on_lf_crlf_and_cr_in_any_chunking() {
        let text: &[u8] = b"\xEF\xBB\xBFa,b\r\nc\rd\n\ne";
        let want = vec!["1:a,b", "2:c", "3:d", "4:", "5:e"];
        assert_eq!(all_lines(&[text]), want);
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(all_lines(&bytes), want);
        assert_eq!(all_lines(&[&text[..6], &text[6..]]), want);
    }

    #[test]
    fn drops_lines_that_are_too_long_in_any_chunking() {
        let text: &[u8] = b"short\n0123456789abcdefXYZ\nnext\n";
        let want = vec!["1:short", "2:too long", "3:next"];
        assert_eq!(all_lines(&[text]), want);
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(all_lines(&bytes), want);
    }

    #[test]
    fn arrival_times_follow_the_chunk_that_completes_an_item() {
        let mut i = Input::default();
        i.feed(b"abc", Some(1.0));
        i.feed(b"def", Some(2.0));
        assert_eq!(i.arrival_for(2), 1.0);
        assert_eq!(i.arrival_for(3), 1.0);
        assert_eq!(i.arrival_for(4), 2.0);
        i.feed(b"ghi", None);
        assert_eq!(i.arrival_for(9), 2.0);
    }
}
