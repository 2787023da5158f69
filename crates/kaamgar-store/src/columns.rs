//! PostgreSQL bulk statements with one parameter per column instead of one per value. A 1,000-row upsert
//! otherwise carries 29,000 parameters, and the server's per-parameter work dominated the import; here each column
//! travels as one text joined with unit separators and is split again with `string_to_array` and `unnest`.

/// Separates values; NUL-marker stands for SQL NULL. Both are control characters that cleaned text never contains.
use crate::Backend;
use crate::rows::{AnyQuery, placeholders};

const SEP: char = '\u{1f}';
const NULL: char = '\u{1e}';

/// Joins a column's values into one parameter. The first element is a dummy that the SQL slices off, so that a
/// single empty string does not turn into an empty array.
pub(crate) fn join(values: impl Iterator<Item = Option<String>>) -> String {
    let mut out = String::from("-");
    for v in values {
        out.push(SEP);
        match v {
            Some(s) => out.extend(
                s.chars()
                    .map(|c| if c == SEP || c == NULL { ' ' } else { c }),
            ),
            None => out.push(NULL),
        }
    }
    out
}

/// The SQL that turns parameter `$n` back into an array of `ty`.
pub(crate) fn array(n: usize, ty: &str) -> String {
    format!("((string_to_array(${n}, E'\\x1f', E'\\x1e'))[2:])::{ty}[]")
}

/// The SQL for `column IN <set>` with `n` values: on PostgreSQL `= ANY(array)` from one joined parameter `$first`,
/// elsewhere one positional parameter per value. Bind the values with [`bind_set`].
pub(crate) fn set_sql(backend: Backend, first: usize, ty: &str, n: usize) -> String {
    match backend {
        Backend::Postgres => format!("= ANY({})", array(first, ty)),
        Backend::Sqlite => format!("IN {}", placeholders(backend, 1, n, 0)),
    }
}

/// Binds the values of a set written by [`set_sql`].
pub(crate) fn bind_set<'q, T>(backend: Backend, mut q: AnyQuery<'q>, values: &[T]) -> AnyQuery<'q>
where
    T: ToString + Clone + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + 'q,
{
    match backend {
        Backend::Postgres => q.bind(join(values.iter().map(|v| Some(v.to_string())))),
        Backend::Sqlite => {
            for v in values {
                q = q.bind(v.clone());
            }
            q
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins_values_nulls_and_a_lone_empty_string() {
        assert_eq!(
            super::join([Some("a".into()), None, Some(String::new())].into_iter()),
            "-\u{1f}a\u{1f}\u{1e}\u{1f}"
        );
        assert_eq!(super::join([Some(String::new())].into_iter()), "-\u{1f}");
        assert_eq!(
            super::array(3, "bigint"),
            "((string_to_array($3, E'\\x1f', E'\\x1e'))[2:])::bigint[]"
        );
    }
}
