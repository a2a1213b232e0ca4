//! The graph of named types: which fields must be boxed, which types need validation.
//!
//! Both questions are about reachability between types, and both are answered in time linear
//! in the number of types and fields, whatever the shape of the graph (a ring of 40,000 types
//! included): boxing by the strongly connected components, computed once (Tarjan's algorithm,
//! with an explicit stack, so a long chain of types cannot overflow the call stack), and
//! validation by one walk of the reversed "contains" edges.

use std::collections::HashMap;

use crate::model::{TypeDef, TypeRef};

/// Boxes fields whose type refers back to their own type without an array in between, which
/// would otherwise make the type infinitely large.
///
/// A field `owner.field: T` (no array) is boxed exactly when `T` reaches `owner` through such
/// fields, that is when `T` and `owner` are in the same strongly connected component of the
/// graph whose edges are the fields that hold a named type directly.
pub(crate) fn mark_boxed_fields(types: &mut [TypeDef]) {
    let index: HashMap<&str, usize> = types.iter().enumerate().map(|(i, def)| (type_name(def), i)).collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|def| match def {
            TypeDef::Object(object) => object
                .fields
                .iter()
                .filter_map(|field| match &field.ty {
                    TypeRef::Named(name) => index.get(name.as_str()).copied(),
                    _ => None,
                })
                .collect(),
            TypeDef::Enum(_) | TypeDef::Attributes(_) => Vec::new(),
        })
        .collect();
    let component = strongly_connected_components(&edges);
    let index: HashMap<String, usize> = index.into_iter().map(|(name, i)| (name.to_string(), i)).collect();
    for (owner, def) in types.iter_mut().enumerate() {
        if let TypeDef::Object(object) = def {
            for field in &mut object.fields {
                if let TypeRef::Named(name) = &field.ty {
                    field.boxed = index.get(name).is_some_and(|&to| component[to] == component[owner]);
                }
            }
        }
    }
}

/// Marks object types that have rules, or contain (through fields and arrays) a type that does.
pub(crate) fn mark_needs_validation(types: &mut [TypeDef]) {
    let index: HashMap<&str, usize> = types.iter().enumerate().map(|(i, def)| (type_name(def), i)).collect();
    // contained_in[t]: the types with a field (or array field) of type t.
    let mut contained_in: Vec<Vec<usize>> = vec![Vec::new(); types.len()];
    let mut needs = vec![false; types.len()];
    let mut work = Vec::new();
    for (owner, def) in types.iter().enumerate() {
        if let TypeDef::Object(object) = def {
            for field in &object.fields {
                if let Some(&to) = field.ty.named().and_then(|name| index.get(name)) {
                    contained_in[to].push(owner);
                }
            }
            // Item limits are rules too.
            if !object.rules.is_empty() {
                needs[owner] = true;
                work.push(owner);
            }
        }
    }
    while let Some(ty) = work.pop() {
        for &owner in &contained_in[ty] {
            if !needs[owner] {
                needs[owner] = true;
                work.push(owner);
            }
        }
    }
    for (def, needs) in types.iter_mut().zip(needs) {
        if let TypeDef::Object(object) = def {
            object.needs_validation = needs;
        }
    }
}

fn type_name(def: &TypeDef) -> &str {
    def.name()
}

/// The strongly connected component of each node of a graph given as adjacency lists: two
/// nodes get the same number exactly when each reaches the other. Tarjan's algorithm, with the
/// recursion turned into an explicit stack of (node, next edge to follow).
fn strongly_connected_components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let (mut next_order, mut next_component) = (0, 0);
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        calls.push((root, 0));
        while let Some(&(node, edge)) = calls.last() {
            if edge == 0 && order[node] == UNSEEN {
                order[node] = next_order;
                low[node] = next_order;
                next_order += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&to) = edges[node].get(edge) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                if order[to] == UNSEEN {
                    calls.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(order[to]);
                }
                continue;
            }
            // Every edge of `node` is done: close its component if it is a root, and pass
            // its low link up to the caller.
            calls.pop();
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
            if let Some(&(caller, _)) = calls.last() {
                low[caller] = low[caller].min(low[node]);
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected_components;

    #[test]
    fn components_of_rings_chains_and_self_loops() {
        // 0 → 1 → 2 → 0 is a ring; 3 → 0 enters it; 4 loops on itself; 5 is alone.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![4], vec![]];
        let c = strongly_connected_components(&edges);
        assert_eq!((c[0], c[1]), (c[2], c[2]));
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[5]);
        assert_ne!(c[4], c[0]);
        assert_ne!(c[5], c[0]);
    }

    #[test]
    fn a_long_ring_is_one_component_without_recursion() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let c = strongly_connected_components(&edges);
        assert!(c.iter().all(|&k| k == c[0]));
        let chain: Vec<Vec<usize>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![] }).collect();
        let c = strongly_connected_components(&chain);
        let mut distinct = c.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), n);
    }
}
