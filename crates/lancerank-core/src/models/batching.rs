//! Cutting a call's texts into model batches. Texts are sorted by token
//! length so each batch pads little, and a batch grows while its padded size
//! (rows × longest row) stays within a token budget: short texts go many to
//! a batch, long ones few. Longest first, so the runtime's memory reaches its
//! peak on the first batch and stays there.

/// Indices into `lengths`, grouped into batches; every index appears once.
pub fn by_length(lengths: &[usize], token_budget: usize) -> Vec<Vec<usize>> {
    by_length_within(lengths, token_budget, usize::MAX)
}

/// [`by_length`] with at most `max_rows` rows per batch.
pub fn by_length_within(
    lengths: &[usize],
    token_budget: usize,
    max_rows: usize,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut longest = 0;
    for index in order {
        let length = lengths[index].max(1);
        let grown = longest.max(length) * (current.len() + 1);
        if !current.is_empty() && (grown > token_budget || current.len() >= max_rows) {
            batches.push(std::mem::take(&mut current));
            longest = 0;
        }
        longest = longest.max(length);
        current.push(index);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::by_length;

    #[test]
    fn longest_first_within_budget() {
        let lengths = [10, 50, 20, 50, 5, 30];
        let batches = by_length(&lengths, 100);
        assert_eq!(batches, vec![vec![1, 3], vec![5, 2, 0], vec![4]]);
        for batch in &batches {
            let longest = batch.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(longest * batch.len() <= 100);
        }
    }

    #[test]
    fn rows_stay_within_the_cap() {
        let batches = super::by_length_within(&[5; 7], 1000, 3);
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
    }

    #[test]
    fn a_text_over_budget_gets_a_batch_of_its_own() {
        assert_eq!(by_length(&[500, 3], 100), vec![vec![0], vec![1]]);
        assert!(by_length(&[], 100).is_empty());
    }
}
