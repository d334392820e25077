export default function Button() { return <button>OK</button>; }
