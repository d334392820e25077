type Action = { type: 'increment' } | { type: 'decrement' } | { type: 'reset'; value: number };

export const reducer = (state = 0, action: Action): number => {
  switch (action.type) {
    case 'increment': return state + 1;
    case 'decrement': return state - 1;
    case 'reset': return action.value;
  }
};
