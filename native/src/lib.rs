//! fedgate's compiled matching kernels, called from `node.matching`: the weighted edit distance between two
//! names' sounds, and how alike two names are part by part, which a search works out for hundreds of records.
//! The costs and thresholds stay defined in Python (`node.matching.sounds`, `TUNABLES`); this module only
//! runs the loops over them.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use rapidfuzz::distance::levenshtein;
use rapidfuzz::fuzz;

const UNKNOWN: u8 = u8::MAX;

/// The costs of the sound classes: each one's cost to add or drop, and each pair's cost to write one as the other.
#[pyclass(frozen, module = "fedmatch")]
struct SoundTable {
    // A sound's index by its code point (UNKNOWN: not a sound class).
    index: Vec<u8>,
    costs: Vec<f64>,
    // substitutions[first * costs.len() + second]
    substitutions: Vec<f64>,
}

#[pymethods]
impl SoundTable {
    #[new]
    fn new(symbols: &str, costs: Vec<f64>, substitutions: Vec<f64>) -> PyResult<Self> {
        let symbols: Vec<char> = symbols.chars().collect();
        let count = symbols.len();
        if count == 0 || count >= UNKNOWN as usize {
            return Err(PyValueError::new_err(format!(
                "a sound table has 1 to {} symbols, not {count}",
                UNKNOWN - 1
            )));
        }
        if costs.len() != count {
            return Err(PyValueError::new_err(format!(
                "{count} symbols need {count} costs, not {}",
                costs.len()
            )));
        }
        if substitutions.len() != count * count {
            return Err(PyValueError::new_err(format!(
                "{count} symbols need {} substitution costs, not {}",
                count * count,
                substitutions.len()
            )));
        }
        if let Some(bad) = costs
            .iter()
            .chain(&substitutions)
            .find(|cost| !cost.is_finite() || **cost < 0.0)
        {
            return Err(PyValueError::new_err(format!(
                "a cost is a finite number of 0 or more, not {bad}"
            )));
        }
        let highest = symbols.iter().map(|symbol| *symbol as usize).max().unwrap_or(0);
        let mut index = vec![UNKNOWN; highest + 1];
        for (position, symbol) in symbols.iter().enumerate() {
            if index[*symbol as usize] != UNKNOWN {
                return Err(PyValueError::new_err(format!(
                    "the symbol {symbol:?} is in the table twice"
                )));
            }
            index[*symbol as usize] = position as u8;
        }
        Ok(SoundTable {
            index,
            costs,
            substitutions,
        })
    }

    /// 1 minus the weighted edit distance of two sound strings over the larger one's weight (0 to 1).
    fn similarity(&self, first: &str, second: &str) -> PyResult<f64> {
        if first.is_empty() || second.is_empty() {
            return Ok(0.0);
        }
        let mine = self.indices(first)?;
        let theirs = self.indices(second)?;
        Ok(self.similarity_of(&mine, &theirs))
    }

    /// Each of my parts' sounds beside the most alike of theirs, a part less alike than `floor` to every one
    /// counting nothing, over the larger number of parts (0 to 1; 0 when either has no part).
    fn part_likeness(&self, mine: Vec<PyBackedStr>, theirs: Vec<PyBackedStr>, floor: f64) -> PyResult<f64> {
        if mine.is_empty() || theirs.is_empty() {
            return Ok(0.0);
        }
        let indices = |parts: &[PyBackedStr]| {
            parts
                .iter()
                .map(|part| self.indices(part))
                .collect::<PyResult<Vec<_>>>()
        };
        let (my_sounds, their_sounds) = (indices(&mine)?, indices(&theirs)?);
        Ok(self.paired_sounds(&my_sounds, &their_sounds, floor))
    }

    /// How alike my name is to each of theirs by sound, all in one call (a search's shortlist has hundreds):
    /// part by part (`part_likeness`), and where a name has another number of parts than mine, the better of
    /// that and the likeness of the whole names' sounds (`mine_whole`, and the second of each of theirs; only
    /// read then). 0 for a name with no part, or when mine has none.
    fn likeness_many(
        &self,
        mine: Vec<PyBackedStr>,
        mine_whole: &str,
        theirs: Vec<(Vec<PyBackedStr>, PyBackedStr)>,
        floor: f64,
    ) -> PyResult<Vec<f64>> {
        let my_sounds = mine
            .iter()
            .map(|part| self.indices(part))
            .collect::<PyResult<Vec<_>>>()?;
        let my_whole = self.indices(mine_whole)?;
        theirs
            .iter()
            .map(|(parts, whole)| {
                if my_sounds.is_empty() || parts.is_empty() {
                    return Ok(0.0);
                }
                let their_sounds = parts
                    .iter()
                    .map(|part| self.indices(part))
                    .collect::<PyResult<Vec<_>>>()?;
                let likeness = self.paired_sounds(&my_sounds, &their_sounds, floor);
                if parts.len() == my_sounds.len() {
                    return Ok(likeness);
                }
                let their_whole = self.indices(whole)?;
                let whole = if my_whole.is_empty() || their_whole.is_empty() {
                    0.0
                } else {
                    self.similarity_of(&my_whole, &their_whole)
                };
                Ok(likeness.max(whole))
            })
            .collect()
    }
}

/// Each of my parts beside the most alike of theirs (`alike`), a part less alike than `floor` to every one
/// counting nothing, over the larger number of parts (0 when either has no part).
fn paired_likeness<T>(mine: &[T], theirs: &[T], floor: f64, alike: impl Fn(&T, &T) -> f64) -> f64 {
    if mine.is_empty() || theirs.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for part in mine {
        let best = theirs
            .iter()
            .map(|other| alike(part, other))
            .fold(f64::NEG_INFINITY, f64::max);
        if best >= floor {
            total += best;
        }
    }
    total / mine.len().max(theirs.len()) as f64
}

/// Each of my parts beside the most alike of theirs, letter for letter (Levenshtein over the longer part; one
/// letter, an initial, is `initial_score` alike to a part it begins), a part less alike than `floor` to every one
/// counting nothing, over the larger number of parts (0 to 1; 0 when either has no part).
#[pyfunction]
fn letters_likeness(mine: Vec<PyBackedStr>, theirs: Vec<PyBackedStr>, floor: f64, initial_score: f64) -> f64 {
    let letters = |parts: &[PyBackedStr]| {
        parts
            .iter()
            .map(|part| part.chars().collect())
            .collect::<Vec<Vec<char>>>()
    };
    paired_likeness(&letters(&mine), &letters(&theirs), floor, |part, other| {
        letters_alike(part, other, initial_score)
    })
}

/// How alike my name is to each of theirs letter for letter, all in one call (a search's shortlist has
/// hundreds): part by part (`letters_likeness`), and where a name has another number of parts than mine, the
/// better of that and the whole names' likeness as rapidfuzz's token_sort_ratio (over 100) has it. 0 for a name
/// with no part, or when mine has none.
#[pyfunction]
fn letters_likeness_many(
    mine: Vec<PyBackedStr>,
    theirs: Vec<Vec<PyBackedStr>>,
    floor: f64,
    initial_score: f64,
) -> Vec<f64> {
    let my_letters: Vec<Vec<char>> = mine.iter().map(|part| part.chars().collect()).collect();
    let my_sorted = sorted_tokens(&mine);
    theirs
        .iter()
        .map(|parts| {
            if my_letters.is_empty() || parts.is_empty() {
                return 0.0;
            }
            let their_letters: Vec<Vec<char>> = parts.iter().map(|part| part.chars().collect()).collect();
            let likeness = paired_likeness(&my_letters, &their_letters, floor, |part, other| {
                letters_alike(part, other, initial_score)
            });
            if parts.len() == my_letters.len() {
                return likeness;
            }
            // As Python's rapidfuzz returns it (a percentage) and the caller divides it, to the last bit.
            let whole = fuzz::ratio(my_sorted.chars(), sorted_tokens(parts).chars()) * 100.0 / 100.0;
            likeness.max(whole)
        })
        .collect()
}

/// The parts joined by spaces, then split at white space and sorted: rapidfuzz's token sort.
fn sorted_tokens(parts: &[PyBackedStr]) -> String {
    let joined = parts.iter().map(|part| &**part).collect::<Vec<&str>>().join(" ");
    let mut tokens: Vec<&str> = joined.split_whitespace().collect();
    tokens.sort_unstable();
    tokens.join(" ")
}

fn letters_alike(mine: &[char], theirs: &[char], initial_score: f64) -> f64 {
    if mine.is_empty() || theirs.is_empty() {
        return 0.0;
    }
    if mine.len() == 1 || theirs.len() == 1 {
        return if mine[0] == theirs[0] { initial_score } else { 0.0 };
    }
    // As rapidfuzz's Levenshtein.normalized_similarity computes it, to the last bit.
    let longer = mine.len().max(theirs.len());
    1.0 - levenshtein::distance(mine.iter().copied(), theirs.iter().copied()) as f64 / longer as f64
}

impl SoundTable {
    fn paired_sounds(&self, mine: &[Vec<u8>], theirs: &[Vec<u8>], floor: f64) -> f64 {
        paired_likeness(mine, theirs, floor, |sounds, other| {
            if sounds.is_empty() || other.is_empty() {
                0.0
            } else {
                self.similarity_of(sounds, other)
            }
        })
    }

    fn indices(&self, text: &str) -> PyResult<Vec<u8>> {
        text.chars()
            .map(|symbol| match self.index.get(symbol as usize) {
                Some(&position) if position != UNKNOWN => Ok(position),
                _ => Err(PyValueError::new_err(format!(
                    "{symbol:?} in {text:?} is no sound class"
                ))),
            })
            .collect()
    }

    // The same additions in the same order as the Python it replaced, so the same float comes out.
    fn similarity_of(&self, mine: &[u8], theirs: &[u8]) -> f64 {
        let count = self.costs.len();
        let their_costs: Vec<f64> = theirs.iter().map(|&sound| self.costs[sound as usize]).collect();
        let mut previous = Vec::with_capacity(theirs.len() + 1);
        previous.push(0.0);
        for cost in &their_costs {
            previous.push(previous[previous.len() - 1] + cost);
        }
        let mut current = vec![0.0; theirs.len() + 1];
        for &sound in mine {
            let mine_cost = self.costs[sound as usize];
            let row = &self.substitutions[sound as usize * count..(sound as usize + 1) * count];
            current[0] = previous[0] + mine_cost;
            for (position, &other) in theirs.iter().enumerate() {
                let dropped = previous[position + 1] + mine_cost;
                let added = current[position] + their_costs[position];
                let written = previous[position] + row[other as usize];
                current[position + 1] = dropped.min(added).min(written);
            }
            std::mem::swap(&mut previous, &mut current);
        }
        let distance = previous[theirs.len()];
        let my_weight = mine
            .iter()
            .fold(0.0, |total, &sound| total + self.costs[sound as usize]);
        let their_weight = their_costs.iter().fold(0.0, |total, cost| total + cost);
        let weight = my_weight.max(their_weight);
        if weight == 0.0 {
            // Sounds a name may have or not (pinyin y) alone.
            return if distance == 0.0 { 1.0 } else { 0.0 };
        }
        (1.0 - distance / weight).max(0.0)
    }
}

#[pymodule]
fn fedmatch(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<SoundTable>()?;
    module.add_function(wrap_pyfunction!(letters_likeness, module)?)?;
    module.add_function(wrap_pyfunction!(letters_likeness_many, module)?)?;
    Ok(())
}
