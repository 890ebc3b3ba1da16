// The one did-you-mean lives in @kiln/protocol (no tfjs), so that every package can suggest.
export { didYouMean } from '@kiln/protocol'
