// Babel fragment plugin config
module.exports = function fragment(api) {
  return { visitor: {} };
};
