// tfjs-layers classes by their registered name: the serialization registry holds every
// layer and model class, so no throwaway instance (which would shift the automatic layer
// names, dense_Dense1 -> dense_Dense2) is needed to reach a prototype.
import * as tf from '@tensorflow/tfjs'

type ClassMap = Record<string, [{ prototype: object }, unknown] | undefined>

/** The tfjs-layers class registered as `name` (e.g. 'Dense'), or undefined. */
export function layersClass(name: string): { prototype: object } | undefined {
  const map = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: ClassMap }).classNameMap
  return map[name]?.[0]
}
