// The README's main demo: for now a short tour of @gd/tensor.
import { tensor, arange, randn, manualSeed } from '@gd/tensor';

const x = tensor([[1, 2, 3], [4, 5, 6]]);
console.log('x =', x.toString());
console.log('x.T (a view, no copy):', x.T.toString());
console.log('x + [10, 20, 30] (broadcast):', x.add(tensor([10, 20, 30])).toString());
console.log('every other column, reversed rows:', arange(12).reshape(3, 4).slice([null, null, -1], [0, 4, 2]).toString());
manualSeed(0);
console.log('randn([2, 3]) with seed 0:', randn([2, 3]).toString());
